"""Seed 001 (the 60-minute blitz, part 3 "Neural networks") run on torch and on ember with only the import changed.

The tutorial is one session: define LeNet, inspect its parameters, run a random 32x32 input, back-propagate a random
gradient, compute an MSE loss, walk ``loss.grad_fn``, back-propagate the loss, update the weights by hand and with
``optim.SGD``. It is run once per library (torch's initial weights loaded into ember's net) and everything it prints
or computes is compared. Where the seed prints numbers that do not depend on randomness they are asserted too.

Differences from the seed's printed text that come from PyTorch itself (PyTorch 2.13 is the specification):
``grad_fn`` names carry a ``0`` suffix (``MseLossBackward0``), ``AddmmBackward0.next_functions[0][0]`` is the bias's
``AccumulateGrad``, and ``zero_grad()`` sets gradients to ``None`` rather than zeros.
"""
import pytest

from tests.seeds._harness import compare, grads, params

SEED_NET = """\
Net(
  (conv1): Conv2d(1, 6, kernel_size=(3, 3), stride=(1, 1))
  (conv2): Conv2d(6, 16, kernel_size=(3, 3), stride=(1, 1))
  (fc1): Linear(in_features=576, out_features=120, bias=True)
  (fc2): Linear(in_features=120, out_features=84, bias=True)
  (fc3): Linear(in_features=84, out_features=10, bias=True)
)
"""


def tutorial(torch, nn, F, optim, share):
    """The seed's code in order; ``share(net)`` gives ember torch's initial weights."""
    class Net(nn.Module):

        def __init__(self):
            super(Net, self).__init__()
            # 1 input image channel, 6 output channels, 3x3 square convolution
            # kernel
            self.conv1 = nn.Conv2d(1, 6, 3)
            self.conv2 = nn.Conv2d(6, 16, 3)
            # an affine operation: y = Wx + b
            self.fc1 = nn.Linear(16 * 6 * 6, 120)  # 6*6 from image dimension
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            # Max pooling over a (2, 2) window
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            # If the size is a square you can only specify a single number
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(-1, self.num_flat_features(x))
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

        def num_flat_features(self, x):
            size = x.size()[1:]  # all dimensions except the batch dimension
            num_features = 1
            for s in size:
                num_features *= s
            return num_features

    r = {}
    net = Net()
    share(net)
    print(net)

    params_ = list(net.parameters())
    print(len(params_))
    print(params_[0].size())  # conv1's .weight
    r["param_shapes"] = [p.size() for p in params_]
    r["state_dict_keys"] = list(net.state_dict())

    input = torch.randn(1, 1, 32, 32)
    out = net(input)
    print(out)
    r["out"] = out

    net.zero_grad()
    out.backward(torch.randn(1, 10))
    r["grads_random_backward"] = grads(net)

    output = net(input)
    target = torch.randn(10)  # a dummy target, for example
    target = target.view(1, -1)  # make it the same shape as output
    criterion = nn.MSELoss()

    loss = criterion(output, target)
    print(loss)
    r["loss"] = loss

    print(loss.grad_fn)  # MSELoss
    print(loss.grad_fn.next_functions[0][0])  # Linear
    print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU
    r["grad_fn_names"] = [loss.grad_fn.name(), loss.grad_fn.next_functions[0][0].name()]

    net.zero_grad()     # zeroes the gradient buffers of all parameters

    print('conv1.bias.grad before backward')
    print(net.conv1.bias.grad)

    loss.backward()

    print('conv1.bias.grad after backward')
    print(net.conv1.bias.grad)
    r["grads_loss"] = grads(net)

    learning_rate = 0.01
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)
    r["after_manual_update"] = params(net)

    # create your optimizer
    optimizer = optim.SGD(net.parameters(), lr=0.01)

    # in your training loop (run for a few steps so the losses can be compared):
    losses = []
    for _ in range(3):
        optimizer.zero_grad()   # zero the gradient buffers
        output = net(input)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()    # Does the update
        losses.append(loss.item())
    r["sgd_losses"] = losses
    r["after_sgd"] = params(net)
    return r


@pytest.fixture(scope="module")
def session():
    return compare(tutorial, seed=1)


def test_print_net_is_the_seeds(session):
    _, printed = session
    assert printed.startswith(SEED_NET)


def test_parameters_count_and_first_size(session):
    result, printed = session
    assert printed.splitlines()[7:9] == ["10", "ember.Size([6, 1, 3, 3])"]
    assert [tuple(s) for s in result["param_shapes"]] == [(6, 1, 3, 3), (6,), (16, 6, 3, 3), (16,), (120, 576),
                                                          (120,), (84, 120), (84,), (10, 84), (10,)]


def test_loss_graph_names(session):
    result, printed = session
    assert result["grad_fn_names"] == ["MseLossBackward0", "AddmmBackward0"]
    lines = printed.splitlines()
    i = lines.index("conv1.bias.grad before backward")
    assert [line.split(" object")[0] for line in lines[i - 3:i]] == [
        "<MseLossBackward0", "<AddmmBackward0", "<AccumulateGrad"]
    assert lines[i + 1] == "None"  # zero_grad() sets to None in PyTorch 2.x (the seed's old torch printed zeros)


def test_training_steps_lower_the_loss(session):
    result, _ = session
    losses = result["sgd_losses"]
    assert losses[0] < result["loss"].item() and losses[2] < losses[0]


def loss_graph(torch, nn, F, optim, share, keep_empty_edges):
    """The graph the seed draws for ``loss``: input -> conv2d -> relu -> maxpool2d -> ... -> linear -> MSELoss.

    Walked through ``grad_fn.next_functions`` node by node: the name of every node and, with
    ``keep_empty_edges``, the ``(None, 0)`` edges too (PyTorch has one only for a tensor input that needs no grad).
    """
    net = share(nn.Sequential(nn.Conv2d(1, 6, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 3), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(576, 120), nn.ReLU(), nn.Linear(120, 84),
                              nn.ReLU(), nn.Linear(84, 10)))
    loss = nn.MSELoss()(net(torch.randn(1, 1, 32, 32)), torch.randn(1, 10))

    def walk(fn):
        if fn is None:
            return None
        edges = [walk(f) for f, _ in fn.next_functions if keep_empty_edges or f is not None]
        return [fn.name().replace("torch::autograd::", "")] + edges

    return walk(loss.grad_fn)


def test_loss_graph_node_names():
    graph, _ = compare(loss_graph, keep_empty_edges=False)
    assert graph[0] == "MseLossBackward0" and graph[1][0] == "AddmmBackward0"


def test_loss_graph_edges_match_torch():
    compare(loss_graph, keep_empty_edges=True)
