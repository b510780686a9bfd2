#!/usr/bin/python3
"""Mae's default training step written directly in PyTorch (eager), timed like Mae's `training` benchmark.

The peer of `Mae.Benchmarks training` (bench/Mae.Benchmarks/TrainingStepBenchmark.cs): the same problems,
the same networks, batch and prior-draw counts, the same loss terms and the same estimators with the same sample
counts, coded the way a PyTorch user would code that job, not the way Mae codes it. Per problem it runs --warmup
untimed steps, times --steps steps one by one (data sampling included) and reports the median, the middle element
of the sorted times as the C# side does. The CSV has the C# benchmark's columns, one row per benchmark name; a problem
whose decoder draws sequentially (ar-bernoulli-784) adds a row NAME-draw: the median of --steps timed draws (after
--warmup untimed ones, on the model its timed steps left) of what the step's bound draws, S prior draws z_s and two
x ~ p(x|z_s) each (2S sequences), without gradients.

The step (B rows x, S = max(B, 1024) prior draws, d latent dimensions, target M nats):

  data      categorical: x ~ U{0..9};  splitting normal: x ~ N(0, 1);  (AR) Bernoulli: 784 pixels ~ Bernoulli(0.3)
  networks  encoder q(z|x), auxiliary r(z|x): MLP(in, h, h, 2d) -> (mean, log variance); decoder p(x|z): MLP(d, h, h, out)
            with tanh after each hidden layer; the encoder and r read the one-hot of a class, or x itself
  AR        ar-bernoulli-784 is bernoulli-784 (same encoder, r, terms, weights and counts) with an autoregressive
  decoder   decoder: the pixels are G = 28 groups (rows) of W = 28, in order, independent within a group given the
            state. c = MLP trunk(z) (Linear(d, h) tanh Linear(h, h) tanh, h = 256), h_0 = tanh(Linear(h, H) c),
            H = 256; one nn.GRU layer (hidden H) reads [x_t, c] (28 + 256 values) per group; group t's logits are
            Linear(H, 28)(h_{t-1}). log p(x|z): teacher forcing, one GRU pass over groups 1..27 from h_0, the head on
            [h_0 .. h_27]. x ~ p(x|z): group by group, the 28 bits of a group in one Bernoulli draw, fed back.
  ELBO      z = mu + sigma * eps; L = mean_i log p(x_i|z_i) - mean_i KL(q(z|x_i) || N(0, I))
  bound     I = H(N(0, I_d)) + mean_s E_{x~p(x|z_s)} log r(z_s|x),  z_s ~ N(0, I_d)
              categorical: the expectation over the 10 classes is a sum (gradient through the class probabilities)
              Gaussian:    one reparameterised draw x_s per z_s (gradient through x_s)
              Bernoulli:   two draws per z_s, score function with the other draw's log r as baseline
              AR Bernoulli: the same, the 2S sequences drawn group by group without gradients, their log p(x|z_s)
                           by teacher forcing with the decoder's gradient
  matching  MMD^2 between the first 256 codes z_i and the first 256 prior draws, sum of inverse multiquadric
            kernels c / (c + |a - b|^2), c = 2d * {0.1, 0.2, 0.5, 1, 2, 5, 10}, diagonal terms left out
  loss      theta (encoder, decoder): -(recon - beta * KL) + lambda (I - M)^2 + gamma MMD^2,
            lambda = 50 / cbrt(D) with D the features drawn per z (1 for the categorical's exact sum), gamma = F / 8
            with F the values in a row (1 for a class index); omega (r): maximise the bound's log r term only
  update    Adam(lr 1e-3) for both, learning rates x0.1 at 50% and x0.01 at 85% of the run
  control   every 8th step, without gradients: I_q = mean_i [log q(z_i|x_i) - log q(z_i)] over the first 256 codes,
            q(z) the mixture of their 256 posteriors and of the last 8192 training rows' posteriors (a ring that
            every step's B posteriors enter); then beta <- clip(beta * exp(8 * 0.02 * (I_q - M)), 1e-3, 1e3)

Usage
  /usr/bin/python3 bench/peer/direct_step.py --out DIR [--steps 200] [--warmup 20] [--threads 1] [--seed 1]
  /usr/bin/python3 bench/peer/direct_step.py --check 2000      # train, print the ELBO and the bound against M
  (--only NAME,... picks problems; ar-bernoulli-784's step is seconds long, its --check first compares teacher
  forcing with a step-by-step GRU loop written from nn.GRU's weights, in float32 and float64)
(bench/peer/setup.sh installs Debian's python3-torch against OpenBLAS.)
"""

import os

# Read by the OpenMP runtime when torch loads: idle worker threads sleep instead of spinning.
os.environ["OMP_WAIT_POLICY"] = "PASSIVE"

import argparse  # noqa: E402
import copy  # noqa: E402
import csv  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402
from torch.distributions import Bernoulli, Normal  # noqa: E402

# Argument checks are a debugging aid (on under __debug__); the C# step does not check its tensors either.
torch.distributions.Distribution.set_default_validate_args(False)


@dataclass(frozen=True)
class Problem:
    name: str
    family: str  # "categorical" | "gaussian" | "bernoulli" | "ar-bernoulli"
    features: int  # classes K, or features F
    latent: int
    hidden: tuple
    batch: int
    target: float
    groups: int = 0  # ar-bernoulli: the features come in this many groups, drawn one after the other
    state: int = 0  # ar-bernoulli: the GRU's hidden size

    @property
    def architecture(self):
        shape = f"{self.features}-{'-'.join(map(str, self.hidden))}-tanh,d={self.latent}"
        return shape + (f",gru{self.state}x{self.groups}" if self.family == "ar-bernoulli" else "")

    @property
    def sequential(self):
        """Whether p(x|z) is drawn group after group (the draw gets a timing row of its own)."""
        return self.family == "ar-bernoulli"


PROBLEMS = [
    Problem("categorical", "categorical", 10, 1, (64, 64), 1024, 1.5),
    Problem("splitting-normal", "gaussian", 1, 1, (64, 64), 1024, 0.8),
    Problem("bernoulli-784", "bernoulli", 784, 16, (256, 256), 256, 10.0),
    Problem("ar-bernoulli-784", "ar-bernoulli", 784, 16, (256, 256), 256, 10.0, groups=28, state=256),
]

LEARNING_RATE = 1e-3
SUBSAMPLE = 256  # rows for the MMD and for I_q
RING = 8192  # recent posteriors in I_q's aggregate posterior
CONTROL_INTERVAL = 8
RATE_MULTIPLIER_LEARNING_RATE = 0.02
KERNEL_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def tanh_layers(n_in, hidden):
    layers, width = [], n_in
    for h in hidden:
        layers += [nn.Linear(width, h), nn.Tanh()]
        width = h
    return layers, width


def mlp(n_in, hidden, n_out):
    layers, width = tanh_layers(n_in, hidden)
    return nn.Sequential(*layers, nn.Linear(width, n_out))


class AutoregressiveBernoulli(nn.Module):
    """p(x|z) for F binary features in G groups of W = F / G, in order, independent within a group given the state.

    c = trunk(z) (the factorized decoder's hidden layers), h_0 = tanh(initial(c)); the GRU reads [x_t, c] for group t
    and group t's logits are head(h_{t-1}). forward(z) gives the context (c, h_0) that log_prob and sample take.
    """

    def __init__(self, latent, hidden, features, groups, state):
        super().__init__()
        self.groups, self.size = groups, features // groups
        layers, width = tanh_layers(latent, hidden)
        self.trunk = nn.Sequential(*layers)
        self.initial = nn.Linear(width, state)
        self.gru = nn.GRU(self.size + width, state, batch_first=True)
        self.head = nn.Linear(state, self.size)

    def forward(self, z):
        c = self.trunk(z)
        return c, torch.tanh(self.initial(c))

    def logits(self, context, x):
        """Teacher forcing: every group's logits [N, G, W] from one GRU pass over groups 1..G-1."""
        c, h0 = context
        rows = x.view(len(x), self.groups, self.size)
        inputs = torch.cat([rows[:, :-1], c.unsqueeze(1).expand(-1, self.groups - 1, -1)], dim=2)
        states, _ = self.gru(inputs, h0.unsqueeze(0))  # h_1 .. h_{G-1}
        return self.head(torch.cat([h0.unsqueeze(1), states], dim=1))

    def log_prob(self, context, x):
        """log p(x|z) per row, x [N, F]."""
        logits = self.logits(context, x)
        return -F.binary_cross_entropy_with_logits(logits, x.view_as(logits), reduction="none").sum((1, 2))

    @torch.no_grad()
    def sample(self, context):
        """x ~ p(x|z) [N, F]: group by group, all W bits of a group in one draw."""
        c, h0 = context
        h, groups = h0.unsqueeze(0), []
        for t in range(self.groups):
            bits = torch.bernoulli(torch.sigmoid(self.head(h[0])))
            groups.append(bits)
            if t + 1 < self.groups:
                _, h = self.gru(torch.cat([bits, c], dim=1).unsqueeze(1), h)
        return torch.cat(groups, dim=1)


def normal(params):
    """Diagonal Gaussian from a network's [mean | log variance] output."""
    mean, log_var = params.chunk(2, dim=-1)
    return Normal(mean, torch.exp(0.5 * log_var))


def mmd2(a, b, scales):
    """Unbiased MMD^2 between the rows of a and b with a sum of inverse multiquadric kernels."""
    def kernel(x, y):
        d2 = torch.cdist(x, y).pow(2)
        return sum(c / (c + d2) for c in scales)

    n, m = len(a), len(b)
    k_aa, k_bb, k_ab = kernel(a, a), kernel(b, b), kernel(a, b)
    return ((k_aa.sum() - k_aa.diagonal().sum()) / (n * (n - 1))
            + (k_bb.sum() - k_bb.diagonal().sum()) / (m * (m - 1))
            - 2 * k_ab.mean())


def mixture_log_density(z, params):
    """log sum_k N(z_i; mean_k, var_k) for z [N, d] and K diagonal components [K, 2d] -> [N].

    The square expanded into two matrix products. Broadcasting z against every component (Normal(...).log_prob or
    MixtureSameFamily) builds [N, K, d] tensors, K = 8448 here: at d = 16 that took 400 ms an estimate against 11 ms.
    """
    mean, log_var = params.chunk(2, dim=1)
    precision = torch.exp(-log_var)
    quadratic = (z * z) @ precision.T - 2 * z @ (mean * precision).T
    constant = (log_var + mean * mean * precision + math.log(2 * math.pi)).sum(1)
    return torch.logsumexp(-0.5 * (quadratic + constant), dim=1)


class MutualAutoencoder:
    def __init__(self, p: Problem, total_steps: int):
        self.p = p
        d = p.latent
        self.inputs = p.features  # one-hot width, or features
        out = 2 * p.features if p.family == "gaussian" else p.features
        self.encoder = mlp(self.inputs, p.hidden, 2 * d)
        if p.family == "ar-bernoulli":
            self.decoder = AutoregressiveBernoulli(d, p.hidden, p.features, p.groups, p.state)
        else:
            self.decoder = mlp(d, p.hidden, out)
        self.r = mlp(self.inputs, p.hidden, 2 * d)
        self.theta = [*self.encoder.parameters(), *self.decoder.parameters()]
        self.omega = list(self.r.parameters())
        self.optimizer = torch.optim.Adam([{"params": self.theta}, {"params": self.omega}], lr=LEARNING_RATE)
        self.schedule = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda i: 0.01 if i / total_steps >= 0.85 else 0.1 if i / total_steps >= 0.5 else 1.0)

        self.prior_draws = max(p.batch, 1024)
        drawn = 0 if p.family == "categorical" else p.features  # the categorical expectation is exact
        self.penalty_weight = 50.0 / math.cbrt(max(1, drawn))
        self.matching_weight = (1 if p.family == "categorical" else p.features) / 8
        self.kernel_scales = [s * 2 * d for s in KERNEL_SCALES]
        self.prior_entropy = 0.5 * d * math.log(2 * math.pi * math.e)
        self.beta = 1.0
        self.ring = torch.zeros(RING, 2 * d)
        self.ring_count = self.ring_next = 0
        self.step_index = 0
        if p.family == "categorical":
            self.classes = torch.eye(p.features)
        self.figures = {}

    def sample_batch(self):
        p = self.p
        if p.family == "categorical":
            return torch.randint(p.features, (p.batch,))
        if p.family == "gaussian":
            return torch.randn(p.batch, p.features)
        return (torch.rand(p.batch, p.features) < 0.3).float()  # as the C# benchmark draws its pixels

    def log_likelihood(self, out, x):
        """log p(x|z) per row; out is the decoder's output (for ar-bernoulli its context)."""
        if self.p.family == "ar-bernoulli":
            return self.decoder.log_prob(out, x)
        if self.p.family == "categorical":
            return -F.cross_entropy(out, x, reduction="none")
        if self.p.family == "gaussian":
            return normal(out).log_prob(x).sum(1)
        return -F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(1)

    def bound(self, out, z):
        """(I, r's objective): I's value is the bound, its gradient the decoder's; r's objective is mean log r."""
        family = self.p.family
        if family == "categorical":
            probs = F.softmax(out, dim=1)  # [S, K]
            log_r = normal(self.r(self.classes)).log_prob(z.unsqueeze(1)).sum(-1)  # [S, K]: log r(z_s | k)
            return (self.prior_entropy + (probs * log_r.detach()).sum(1).mean(),
                    (probs.detach() * log_r).sum(1).mean())
        if family == "gaussian":
            x = normal(out).rsample()
            log_r = normal(self.r(x)).log_prob(z).sum(1).mean()
            return self.prior_entropy + log_r, log_r  # one tensor: step() sends each gradient to its own parameters
        if family == "ar-bernoulli":
            twice = tuple(torch.cat([t, t]) for t in out)  # the context of each z_s, for two draws
            x = self.decoder.sample(twice)  # [2S, F], no gradient
            log_p = self.decoder.log_prob(twice, x).view(2, -1)  # teacher forcing, gradient to the decoder
            x = x.view(2, len(z), -1)  # [2, S, F]
        else:
            p_x = Bernoulli(logits=out)
            x = p_x.sample((2,))  # [2, S, F]
            log_p = p_x.log_prob(x).sum(-1)
        log_r = normal(self.r(x)).log_prob(z).sum(-1)  # [2, S]
        score = 0.5 * ((log_r[0] - log_r[1]).detach() * (log_p[0] - log_p[1])).mean()
        r_objective = log_r.mean()
        return self.prior_entropy + r_objective.detach() + (score - score.detach()), r_objective

    @torch.no_grad()
    def draw(self):
        """The bound's draw alone: S prior draws, twice x ~ p(x|z) each (ar-bernoulli: group by group)."""
        z = torch.randn(self.prior_draws, self.p.latent)
        return self.decoder.sample(tuple(torch.cat([t, t]) for t in self.decoder(z)))

    @torch.no_grad()
    def code_information(self, z, params):
        """I_q on codes z drawn from the posteriors params, against their mixture and the ring's."""
        own = normal(params).log_prob(z).sum(1)
        components = torch.cat([params, self.ring[:self.ring_count]])
        return ((own - mixture_log_density(z, components)).mean() + math.log(len(components))).item()

    def step(self):
        p = self.p
        x = self.sample_batch()
        h = self.encoder(F.one_hot(x, p.features).float() if p.family == "categorical" else x)
        mu, log_var = h.chunk(2, dim=1)
        z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
        recon = self.log_likelihood(self.decoder(z), x).mean()
        kl = -0.5 * torch.sum(1 + log_var - mu.pow(2) - log_var.exp()) / p.batch
        elbo = recon - kl

        z_prior = torch.randn(self.prior_draws, p.latent)
        info, r_objective = self.bound(self.decoder(z_prior), z_prior)
        penalty = self.penalty_weight * (info - p.target) ** 2
        mmd = mmd2(z[:SUBSAMPLE], z_prior[:SUBSAMPLE], self.kernel_scales)
        loss = -(recon - self.beta * kl) + penalty + self.matching_weight * mmd

        steer = self.step_index % CONTROL_INTERVAL == 0
        code_info = self.code_information(z[:SUBSAMPLE], h[:SUBSAMPLE]) if steer else None
        figures = torch.stack([loss, elbo, info, mmd]).tolist()
        if not all(map(math.isfinite, figures)):
            raise FloatingPointError(f"{p.name}: diverged at step {self.step_index}: {figures}")

        self.optimizer.zero_grad(set_to_none=True)  # the default since PyTorch 2.0
        if p.family == "gaussian":
            # The bound reaches the decoder through r's input: theta and omega differ in what they descend.
            loss.backward(inputs=self.theta, retain_graph=True)
            (-r_objective).backward(inputs=self.omega)
        else:
            (loss - r_objective).backward()  # the two objectives touch disjoint parameters
        self.optimizer.step()
        self.schedule.step()

        rows = torch.arange(self.ring_next, self.ring_next + p.batch) % RING
        self.ring[rows] = h.detach()
        self.ring_next = (self.ring_next + p.batch) % RING
        self.ring_count = min(RING, self.ring_count + p.batch)
        if steer:
            self.beta = min(1e3, max(1e-3, self.beta * math.exp(
                CONTROL_INTERVAL * RATE_MULTIPLIER_LEARNING_RATE * (code_info - p.target))))
            self.figures["I_q"] = code_info
        self.step_index += 1
        self.figures.update(loss=figures[0], elbo=figures[1], I_p=figures[2], mmd=figures[3], beta=self.beta)


def median_ms(run, args):
    """Median of --steps timed calls after --warmup untimed ones: the middle element of the sorted times."""
    times = []
    for i in range(args.warmup + args.steps):
        start = time.perf_counter()
        run()
        if i >= args.warmup:
            times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[len(times) // 2]


def median_times_ms(p, args):
    """{benchmark name: median ms}: the step, and for a sequential decoder the draw alone (on the trained model)."""
    torch.manual_seed(args.seed)
    model = MutualAutoencoder(p, args.warmup + args.steps)
    medians = {p.name: median_ms(model.step, args)}
    if p.sequential:
        medians[f"{p.name}-draw"] = median_ms(model.draw, args)
    return medians


@torch.no_grad()
def check_teacher_forcing(decoder, latent, rows=64):
    """Max |teacher-forced log p(x|z) - the sum of per-group log-probabilities from a step-by-step GRU loop|.

    The loop writes the GRU cell out from nn.GRU's weights (gates r, z, n in that order), so it checks the parallel
    pass against the model's definition rather than against nn.GRU itself. x: half decoder draws, half coin flips.
    """
    ih, hh = decoder.gru.weight_ih_l0, decoder.gru.weight_hh_l0
    b_ih, b_hh = decoder.gru.bias_ih_l0, decoder.gru.bias_hh_l0
    z = torch.randn(rows, latent, dtype=ih.dtype)
    c, h0 = context = decoder(z)
    coins = torch.bernoulli(torch.full((rows, decoder.groups * decoder.size), 0.5, dtype=ih.dtype))
    x = torch.cat([decoder.sample(context)[: rows // 2], coins[rows // 2:]])
    parallel = decoder.log_prob(context, x)
    h, stepwise = h0, torch.zeros(rows, dtype=ih.dtype)
    for t in range(decoder.groups):
        x_t = x[:, t * decoder.size:(t + 1) * decoder.size]
        stepwise += Bernoulli(logits=decoder.head(h)).log_prob(x_t).sum(1)
        gi_r, gi_z, gi_n = (torch.cat([x_t, c], 1) @ ih.T + b_ih).chunk(3, 1)
        gh_r, gh_z, gh_n = (h @ hh.T + b_hh).chunk(3, 1)
        reset, update = torch.sigmoid(gi_r + gh_r), torch.sigmoid(gi_z + gh_z)
        h = (1 - update) * torch.tanh(gi_n + reset * gh_n) + update * h
    return (parallel - stepwise).abs().max().item(), parallel.abs().max().item()


def check(p, args):
    """Train for args.check steps and print the figures ten times along the way."""
    torch.manual_seed(args.seed)
    model = MutualAutoencoder(p, args.check)
    print(f"{p.name}: {p.architecture}, batch {p.batch}, M = {p.target}, lambda = {model.penalty_weight:.3g}, "
          f"gamma = {model.matching_weight:.3g}, {model.prior_draws} prior draws")
    if p.family == "ar-bernoulli":
        for dtype in (torch.float32, torch.float64):
            difference, scale = check_teacher_forcing(copy.deepcopy(model.decoder).to(dtype), p.latent)
            print(f"  teacher forcing vs a step-by-step GRU loop, {str(dtype)[6:]}: max |difference| of log p(x|z) "
                  f"{difference:.3g} (max |log p| {scale:.4g}, {scale * torch.finfo(dtype).eps:.2g} there)")
    print(f"  {'step':>6} {'loss':>10} {'ELBO':>10} {'I_p bound':>10} {'I_q':>8} {'MMD^2':>9} {'beta':>8}")
    figures = {}
    window = []
    for i in range(args.check):
        model.step()
        window.append(dict(model.figures))
        if (i + 1) % max(1, args.check // 10) == 0 or i + 1 == args.check:
            figures = {k: sum(w[k] for w in window) / len(window) for k in ("loss", "elbo", "I_p", "mmd")}
            print(f"  {i + 1:>6} {figures['loss']:>10.4f} {figures['elbo']:>10.4f} {figures['I_p']:>10.4f} "
                  f"{model.figures['I_q']:>8.3f} {figures['mmd']:>9.5f} {model.beta:>8.4f}")
            window = []
    print(f"  (loss, ELBO, I_p, MMD^2: means since the previous line; I_q and beta: the latest control step)")


def loaded_blas():
    with open("/proc/self/maps") as f:
        libs = {os.path.basename(line.split()[-1]) for line in f if "blas" in line.lower()}
    return ", ".join(sorted(libs)) or "none"


def main(argv=None):
    names = [p.name for p in PROBLEMS]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="directory for pytorch-direct.csv (required unless --check)")
    parser.add_argument("--steps", type=int, default=200, help="timed steps per problem (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps before them (default 20)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    parser.add_argument("--seed", type=int, default=1, help="torch seed (default 1)")
    parser.add_argument("--only", default=",".join(names), help=f"comma-separated subset of {', '.join(names)}")
    parser.add_argument("--check", type=int, metavar="N", help="train N steps per problem, print the figures, time nothing")
    args = parser.parse_args(argv)
    wanted = args.only.split(",")
    if set(wanted) - set(names):
        parser.error(f"unknown problem(s) {', '.join(sorted(set(wanted) - set(names)))}")
    if args.check is None and (args.out is None or args.steps < 1 or args.warmup < 0):
        parser.error("--out DIR, --steps >= 1 and --warmup >= 0 are required to time")
    problems = [p for p in PROBLEMS if p.name in wanted]

    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), BLAS {loaded_blas()}, "
          f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}")
    if args.check is not None:
        for p in problems:
            check(p, args)
        return 0

    implementation = f"pytorch-{torch.__version__}-direct"
    rows = []
    print(f"{'benchmark':<21} {'architecture':<31} {'batch':>6} {'threads':>7} {'median ms':>10} {'steps/s':>9}")
    for p in problems:
        for name, median in median_times_ms(p, args).items():
            print(f"{name:<21} {p.architecture:<31} {p.batch:>6} {args.threads:>7} {median:>10.3f} {1000 / median:>9.1f}")
            rows.append([name, implementation, p.architecture, p.batch, args.threads, f"{median:.4f}", f"{1000 / median:.2f}"])
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "pytorch-direct.csv")
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["benchmark", "implementation", "architecture", "batch", "threads", "median_step_ms", "steps_per_second"])
        writer.writerows(rows)
    print(f"Wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
