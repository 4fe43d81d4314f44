"""Per-sample gradients of the 4-8-1 MLP loss of examples/cuda_per_sample.cu with JAX or PyTorch.

    python3 vmap_grad.py jax|torch [samples]

Times vmap(grad) of loss = (W2 tanh(W1 x + b1) + b2 - t)^2 / 2 in the parameters (W1 8x4, b1 8,
W2 1x8, b2 1) over 2^20 samples (float32) on the GPU: JAX's jax.jit(jax.vmap(jax.grad(...))),
PyTorch's torch.func.vmap(torch.func.grad(...)). Prints `name,median_us` (median of 20 runs after
a warm-up), or a line saying why it cannot run.
"""
import statistics
import sys
import time


def run_jax(n):
    import jax
    import jax.numpy as jnp

    def loss(p, x, t):
        w1, b1, w2, b2 = p
        out = w2 @ jnp.tanh(w1 @ x + b1) + b2
        return 0.5 * jnp.sum((out - t) ** 2)

    key = jax.random.PRNGKey(2026)
    k = jax.random.split(key, 6)
    p = (0.5 * jax.random.uniform(k[0], (8, 4), jnp.float32, -1, 1), 0.5 * jax.random.uniform(k[1], (8,), jnp.float32, -1, 1),
         0.5 * jax.random.uniform(k[2], (1, 8), jnp.float32, -1, 1), 0.5 * jax.random.uniform(k[3], (1,), jnp.float32, -1, 1))
    xs = jax.random.uniform(k[4], (n, 4), jnp.float32, -1, 1)
    ts = jax.random.uniform(k[5], (n, 1), jnp.float32, -1, 1)
    f = jax.jit(jax.vmap(jax.grad(loss), in_axes=(None, 0, 0)))
    jax.block_until_ready(f(p, xs, ts))
    times = []
    for _ in range(20):
        start = time.perf_counter()
        jax.block_until_ready(f(p, xs, ts))
        times.append((time.perf_counter() - start) * 1e6)
    return statistics.median(times)


def run_torch(n):
    import torch
    from torch.func import grad, vmap

    if not torch.cuda.is_available():
        raise RuntimeError("torch sees no CUDA device")
    dev = torch.device("cuda")
    g = torch.Generator(device=dev).manual_seed(2026)

    def u(*shape, scale=1.0):
        return scale * (2 * torch.rand(*shape, generator=g, device=dev, dtype=torch.float32) - 1)

    p = (u(8, 4, scale=0.5), u(8, scale=0.5), u(1, 8, scale=0.5), u(1, scale=0.5))

    def loss(p, x, t):
        w1, b1, w2, b2 = p
        out = w2 @ torch.tanh(w1 @ x + b1) + b2
        return 0.5 * torch.sum((out - t) ** 2)

    xs, ts = u(n, 4), u(n, 1)
    f = vmap(grad(loss), in_dims=(None, 0, 0))
    f(p, xs, ts)
    torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(20):
        start.record()
        f(p, xs, ts)
        stop.record()
        stop.synchronize()
        times.append(1000.0 * start.elapsed_time(stop))
    return statistics.median(times)


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else ""
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 20
    runners = {"jax": run_jax, "torch": run_torch}
    if which not in runners:
        print("usage: vmap_grad.py jax|torch [samples]", file=sys.stderr)
        return 2
    try:
        us = runners[which](n)
    except Exception as e:  # a missing package or device is a line in the table, not a crash
        print(f"{which},not run: {type(e).__name__}: {e}")
        return 0
    print(f"{which},{us:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
