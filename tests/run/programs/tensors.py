"""Tutorial-style tensor code: creation, printing, dtypes and shapes, indexing, autograd, the NumPy bridge."""
import numpy as np
import torch

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
print(x_data, x_data.dtype, x_data.shape)
x_np = torch.from_numpy(np.array(data))
x_ones = torch.ones_like(x_data)
print(f"Ones Tensor: \n {x_ones} \n")
x_rand = torch.full_like(x_data, 0.5, dtype=torch.float)
print(f"Random Tensor: \n {x_rand} \n")
shape = (2, 3,)
print(torch.zeros(shape), torch.ones(shape, dtype=torch.int64))
tensor = torch.arange(12.0).reshape(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
if torch.cuda.is_available():
    tensor = tensor.to("cuda")
print(type(tensor), tensor.type(), tensor.size(), tensor.size(1), tensor.is_cuda)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1.shape, t1.sum(), t1.mean(dim=0))
y1 = tensor @ tensor.T
y3 = torch.matmul(tensor, tensor.T)
print(y1, torch.equal(y1, y3))
agg = tensor.sum()
print(agg.item(), type(agg.item()))
tensor.add_(5)
print(tensor)
n = tensor.numpy()
tensor.add_(1)
print(n)
print(torch.max(tensor, 1))
print(torch.half, torch.float64, torch.long, torch.Size([2, 3]), torch.device("cuda:0"))
x = torch.ones(5)
w = torch.tensor(np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3), requires_grad=True)
b = torch.zeros(3, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.zeros(3))
print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")
loss.backward()
print(w.grad)
print(b.grad)
with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad, z.detach().requires_grad)
print(torch.tensor([1.5, 2.5]).to(torch.float16), torch.tensor([True, False]).dtype, torch.get_default_dtype())
