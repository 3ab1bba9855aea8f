// The book's ch05/layer_naive.py: the multiplication and addition layers of
// §5.4, here the library's own (layers/mul_layer.ts, layers/add_layer.ts),
// which are written as the book writes them:
//
//   class MulLayer:                      class AddLayer:
//       def forward(self, x, y):             def forward(self, x, y):
//           self.x = x; self.y = y               return x + y
//           return x * y                     def backward(self, dout):
//       def backward(self, dout):                return dout * 1, dout * 1
//           return dout * self.y, dout * self.x

export { AddLayer, MulLayer } from "@dlfs/nn";
