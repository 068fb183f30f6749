# Cython's declarations for mat.py, read only when robokit's compiled core is built
# (robokit._compiled, setup.py): Footprint becomes a C type (its fields: its __slots__),
# and its bilinear read computes in C doubles: the weights and the twelve products are the
# same operations in the same order as in Python, whose floats are C doubles, on the means
# read through a typed view of their float32 buffer (each the float Python reads there).

cimport cython

cdef class Footprint:
    cdef public object _surface, _radius, _means, _nx, _ny
    cdef public double _x0, _y0, _inv_px

    @cython.locals(fx=double, fy=double, ax=double, ay=double, w00=double, w10=double,
                   w01=double, w11=double, m="const float[:]", p=Py_ssize_t, q=Py_ssize_t)
    cpdef rgb(self, double x, double y)
