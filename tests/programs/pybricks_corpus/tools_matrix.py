# corpus: world=empty
# expect: output=shape (3, 1)
# expect: output=cross [0, 0, 1]
# expect: output=dot 14
# Matrix, vector and cross from pybricks.tools.
from pybricks.tools import Matrix, cross, vector

a = vector(1, 0, 0)
b = vector(0, 1, 0)
c = cross(a, b)
print("shape", c.shape)
print("cross", [int(c[i]) for i in range(3)])
m = Matrix([[1, 2, 3]])
print("dot", int((m * vector(1, 2, 3))[0]))
