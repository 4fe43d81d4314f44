// The seed graph g = (x + y) * z: its graph, the forward and backward passes at every node, the
// symbolic derivatives, and then a small model trained by gradient descent.
#include <stag/stag.hpp>

#include <cstdio>

int main() {
    constexpr auto x = stag::var<"x">;
    constexpr auto y = stag::var<"y">;
    constexpr auto z = stag::var<"z">;
    constexpr auto p = x + y;  // named only to print it: p is a node of g
    constexpr auto g = p * z;

    std::printf("graph: g = %s, with p = %s\n\n", stag::to_string(g).c_str(), stag::to_string(p).c_str());

    // Forward and backward sweep over the unique nodes, as value_and_grad runs them.
    std::printf("%-4s %-14s %10s %14s\n", "node", "expression", "forward", "backward dg/d.");
    for (const auto& n : stag::trace(g, x = 1.0, y = 3.0, z = -3.0))
        std::printf("n%-3zu %-14s %10g %14g\n", n.index, n.expression.c_str(), n.value, n.adjoint);

    const auto vg = stag::value_and_grad(g, x, y, z)(x = 1.0, y = 3.0, z = -3.0);
    std::printf("\nvalue_and_grad: g = %g, dg/dx = %g, dg/dy = %g, dg/dz = %g\n", vg.value, vg.grad[x], vg.grad[y], vg.grad[z]);
    std::printf("symbolic: d(g, x) = %s, d(g, z) = %s, d(d(g, x), z) = %s\n\n", stag::to_string(stag::d(g, x)).c_str(),
                stag::to_string(stag::d(g, z)).c_str(), stag::to_string(stag::d(stag::d(g, x), z)).c_str());

    // A small model: y = w * u + b fitted to noisy samples of 2u - 1 by gradient descent on the
    // mean squared error. Forward pass, backward pass, w = w - learning_rate * gradient, repeat.
    constexpr auto w = stag::var<"w">;
    constexpr auto b = stag::var<"b">;
    constexpr auto u = stag::var<"u">;
    constexpr auto t = stag::var<"t">;
    constexpr auto loss = stag::square(w * u + b - t);
    const double us[] = {-1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0};
    const double ts[] = {-3.02, -1.98, -1.01, -0.49, 0.03, 0.98, 2.01, 2.99};
    constexpr int samples = 8;

    double wv = 0.0, bv = 0.0;
    const double learning_rate = 0.1;
    const auto grad_loss = stag::value_and_grad(loss, w, b);
    double previous = 1e300;
    for (int epoch = 1; epoch <= 1000; ++epoch) {
        double total = 0, gw = 0, gb = 0;
        for (int i = 0; i < samples; ++i) {
            const auto r = grad_loss(w = wv, b = bv, u = us[i], t = ts[i]);  // forward + backward
            total += r.value;
            gw += r.grad[w];
            gb += r.grad[b];
        }
        const double mean = total / samples;
        wv -= learning_rate * gw / samples;
        bv -= learning_rate * gb / samples;
        if (epoch == 1 || epoch % 10 == 0) std::printf("epoch %4d  loss %.6f  w %.4f  b %.4f\n", epoch, mean, wv, bv);
        if (previous - mean < 1e-9) {  // stopping criterion: the loss no longer falls
            std::printf("stopped at epoch %d: loss %.6f, w = %.4f, b = %.4f (data made from w = 2, b = -1)\n", epoch, mean, wv, bv);
            break;
        }
        previous = mean;
    }
}
