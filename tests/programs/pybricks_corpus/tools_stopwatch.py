# corpus: world=empty
# expect: output=paused 1000
# expect: output=resumed 1500
# A StopWatch paused and resumed.
from pybricks.tools import StopWatch, wait

watch = StopWatch()
wait(1000)
watch.pause()
wait(500)
print("paused", watch.time())
watch.resume()
wait(500)
print("resumed", watch.time())
