#!/usr/bin/python3
"""PyTorch *eager* peer benchmark for the Mae (Mutual Autoencoder) training step.

What it measures
----------------
The wall-clock time of one full Mae training step -- data sampling, the ELBO
and information-bound forward passes, the theta backward pass and Adam step,
and the separate omega (auxiliary network r) forward/backward/Adam step --
timed with ``time.perf_counter`` around the whole step. After ``--warmup``
untimed steps, ``--steps`` steps are timed individually and the *median* is
reported (robust to the odd scheduler hiccup), together with
``steps_per_second = 1000 / median_step_ms``.

Why it is the peer
------------------
Our implementation is C# on TorchSharp, i.e. the same libtorch kernels driven
op-by-op from a managed language. The fair reference point is therefore
PyTorch in plain eager mode (no TorchScript, no torch.compile, no fused or
foreach optimizers) running exactly the same model and step, with the same
thread count, on the same machine: differences then come from per-op dispatch
overhead, allocation and autograd bookkeeping, not from a different algorithm.
The model and the step below are the specification the C# side implements;
change them only together.

Model (hidden [h1, h2], tanh, latent dimension d)
  MLP(in)            Linear(in,h1) tanh Linear(h1,h2) tanh
  encoder q(z|x)     MLP(enc_in) + Linear(h2, 2d) -> [mean | log_variance]
  auxiliary r(z|x)   separate network of identical shape
  decoder p(x|z)     MLP(d) + Linear(h2, out); Gaussian out=2F [mean | logvar],
                     categorical out=K logits, Bernoulli out=F logits
  enc_in             x itself (Gaussian, Bernoulli) or one-hot of the class.

Step (batch B, S = B prior draws, target M nats, lambda = 50)
  elbo   = mean log p(x|z) - mean KL(q(z|x) || N(0,I)),  z reparameterised
  I_hat  = H(z) + mean_s E_{p(x|z_s)} log r(z_s|x),  z_s ~ N(0,I)
           Gaussian: reparameterised x~; categorical: exact expectation over
           the K classes; Bernoulli: 2 samples, score function with
           leave-one-out baseline (written zero-valued, so the value of the
           surrogate is exactly mean(f) and (I_hat - M) is unbiased in value).
  loss_theta = -elbo + lambda (I_hat - M)^2   -> Adam(encoder+decoder, 1e-3)
  loss_omega = -mean log r(z_s | x~)           -> Adam(r, 1e-3); r gets no
           gradient from loss_theta. Gaussian: a second r pass on detached x~
           and its own backward; categorical and Bernoulli: the two terms touch
           disjoint parameters, so one backward of (loss_theta + loss_omega).

Implementation choices worth knowing when comparing (the C# trainer makes the same)
  * One decoder pass serves the posterior samples and the prior draws.
  * Bernoulli: the two samples x~1, x~2 go through r as one [2S, F] batch.
  * The step's scalar figures are read back and checked for divergence.
  * zero_grad(set_to_none=True) (the PyTorch >= 2.0 default).
  * Adam uses the single-tensor (for-loop) implementation, the CPU default.
  * OMP_WAIT_POLICY=PASSIVE is set before torch is imported, so idle OpenMP
    workers sleep instead of spinning (matters with --threads > 1 on a
    machine this small).

Usage
  /usr/bin/python3 bench/peer/mae_step_bench.py --out results/ [--threads 1]
(bench/peer/setup.sh installs Debian's python3-torch against OpenBLAS.)
"""

import os

# Must precede `import torch`: the OpenMP runtime reads it at initialisation.
os.environ["OMP_WAIT_POLICY"] = "PASSIVE"

import argparse  # noqa: E402
import csv  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

CSV_HEADER = [
    "benchmark",
    "implementation",
    "architecture",
    "batch",
    "threads",
    "median_step_ms",
    "steps_per_second",
]

LAMBDA = 50.0
LEARNING_RATE = 1e-3
LOG_2PI = math.log(2.0 * math.pi)


# --------------------------------------------------------------------------
# Benchmark configurations
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchConfig:
    name: str
    data: str  # "categorical" | "gaussian" | "bernoulli"
    features: int  # K classes (categorical) or F features
    latent: int  # d
    hidden: tuple  # (h1, h2)
    batch: int  # B (and S = B prior draws)
    target: float  # M, nats
    bernoulli_p: float = 0.3

    @property
    def encoder_input(self) -> int:
        return self.features  # one-hot of K classes, or F features

    @property
    def decoder_output(self) -> int:
        return 2 * self.features if self.data == "gaussian" else self.features

    @property
    def architecture(self) -> str:
        hidden = "-".join(str(h) for h in self.hidden)
        return f"{self.encoder_input}-{hidden}-tanh,d={self.latent}"


BENCHMARKS = [
    BenchConfig("categorical", "categorical", features=10, latent=1,
                hidden=(64, 64), batch=1024, target=1.5),
    BenchConfig("splitting-normal", "gaussian", features=1, latent=1,
                hidden=(64, 64), batch=1024, target=0.8),
    BenchConfig("bernoulli-784", "bernoulli", features=784, latent=16,
                hidden=(256, 256), batch=256, target=10.0),
]


# --------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------


class MLP(nn.Sequential):
    """Linear(in,h1), tanh, Linear(h1,h2), tanh."""

    def __init__(self, n_in: int, hidden: tuple):
        h1, h2 = hidden
        super().__init__(nn.Linear(n_in, h1), nn.Tanh(),
                         nn.Linear(h1, h2), nn.Tanh())


class GaussianNet(nn.Module):
    """MLP + one Linear(h2, 2d) head split into (mean, log_variance)."""

    def __init__(self, n_in: int, hidden: tuple, latent: int):
        super().__init__()
        self.body = MLP(n_in, hidden)
        self.head = nn.Linear(hidden[-1], 2 * latent)
        self.latent = latent

    def forward(self, x):
        out = self.head(self.body(x))
        return out[:, : self.latent], out[:, self.latent:]


class Decoder(nn.Module):
    """MLP(d) + Linear(h2, out): raw parameters of p(x|z)."""

    def __init__(self, latent: int, hidden: tuple, n_out: int):
        super().__init__()
        self.body = MLP(latent, hidden)
        self.head = nn.Linear(hidden[-1], n_out)

    def forward(self, z):
        return self.head(self.body(z))


def gaussian_log_density(x, mean, log_var):
    """log N(x; mean, exp(log_var)) summed over the last dimension."""
    return -0.5 * (LOG_2PI + log_var + (x - mean).pow(2) * torch.exp(-log_var)).sum(-1)


# --------------------------------------------------------------------------
# The step
# --------------------------------------------------------------------------


class MaeStep:
    """Holds networks, optimisers and constants for one benchmark; call step()."""

    def __init__(self, cfg: BenchConfig):
        self.cfg = cfg
        d, hidden = cfg.latent, cfg.hidden
        self.encoder = GaussianNet(cfg.encoder_input, hidden, d)
        self.aux = GaussianNet(cfg.encoder_input, hidden, d)
        self.decoder = Decoder(d, hidden, cfg.decoder_output)
        theta = list(self.encoder.parameters()) + list(self.decoder.parameters())
        self.opt_theta = torch.optim.Adam(theta, lr=LEARNING_RATE)
        self.opt_omega = torch.optim.Adam(self.aux.parameters(), lr=LEARNING_RATE)
        self.entropy_z = 0.5 * d * math.log(2.0 * math.pi * math.e)
        if cfg.data == "categorical":
            self.one_hots = torch.eye(cfg.features)
        if cfg.data == "bernoulli":
            self.data_probs = torch.full((cfg.batch, cfg.features), cfg.bernoulli_p)
        self.last = {}

    # -- data ---------------------------------------------------------------

    def sample_batch(self):
        cfg = self.cfg
        if cfg.data == "categorical":
            return torch.randint(0, cfg.features, (cfg.batch,))
        if cfg.data == "gaussian":
            return torch.randn(cfg.batch, cfg.features)
        return torch.bernoulli(self.data_probs)

    def encoder_input(self, x):
        if self.cfg.data == "categorical":
            return F.one_hot(x, self.cfg.features).to(torch.float32)
        return x

    def data_log_likelihood(self, out, x):
        """log p(x | decoder output), one value per row."""
        data = self.cfg.data
        if data == "gaussian":
            mean, log_var = out.chunk(2, dim=1)
            return gaussian_log_density(x, mean, log_var)
        if data == "categorical":
            return F.log_softmax(out, dim=1).gather(1, x.unsqueeze(1)).squeeze(1)
        return -F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(1)

    # -- objective pieces -----------------------------------------------------

    def categorical_log_r(self, z_prior):
        """logr[s, k] = log r(z_s | class k), one r pass over the K one-hots."""
        mean, log_var = self.aux(self.one_hots)  # [K, d]
        return gaussian_log_density(z_prior.unsqueeze(1), mean.unsqueeze(0),
                                    log_var.unsqueeze(0))  # [S, K]

    def information_terms(self, out, z_prior):
        """(decoder surrogate, r objective): scalars whose gradients reach only theta, resp. only omega.

        The surrogate's value is the estimate E log r(z|x); for categorical and Bernoulli data
        neither term reaches the other's parameters, so one backward pass serves both.
        """
        data = self.cfg.data
        if data == "gaussian":
            mean, log_var = out.chunk(2, dim=1)
            x_tilde = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
            r_mean, r_log_var = self.aux(x_tilde)
            surrogate = gaussian_log_density(z_prior, r_mean, r_log_var).mean()
            r_mean, r_log_var = self.aux(x_tilde.detach())
            return surrogate, gaussian_log_density(z_prior, r_mean, r_log_var).mean()
        if data == "categorical":
            probs = F.softmax(out, dim=1)
            log_r = self.categorical_log_r(z_prior)
            return ((probs * log_r.detach()).sum(1).mean(),
                    (probs.detach() * log_r).sum(1).mean())
        # Bernoulli: two samples per z, score function with a leave-one-out baseline.
        probs = torch.sigmoid(out.detach())
        samples = torch.cat([torch.bernoulli(probs), torch.bernoulli(probs)])  # [2S, F]
        r_mean, r_log_var = self.aux(samples)
        log_r = gaussian_log_density(torch.cat([z_prior, z_prior]), r_mean, r_log_var).view(2, -1)
        log_p = self.data_log_likelihood(torch.cat([out, out]), samples).view(2, -1)
        advantage = (log_r[0] - log_r[1]).detach()
        score = (0.5 * advantage * (log_p[0] - log_p[1])).mean()
        r_objective = log_r.mean()
        return r_objective.detach() + (score - score.detach()), r_objective

    # -- the step -------------------------------------------------------------

    def step(self):
        cfg = self.cfg
        x = self.sample_batch()
        mu, log_var = self.encoder(self.encoder_input(x))
        z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
        z_prior = torch.randn(cfg.batch, cfg.latent)  # S = B
        # One decoder pass for the posterior samples and the prior draws.
        out = self.decoder(torch.cat([z, z_prior]))
        out_posterior, out_prior = out[:cfg.batch], out[cfg.batch:]
        recon = self.data_log_likelihood(out_posterior, x).mean()
        kl = (0.5 * (mu.pow(2) + torch.exp(log_var) - log_var - 1.0)).mean(0).sum()
        elbo = recon - kl

        surrogate, r_objective = self.information_terms(out_prior, z_prior)
        info = self.entropy_z + surrogate
        penalty = LAMBDA * (info - cfg.target).pow(2)
        loss_theta = -elbo + penalty

        # Read the figures back and check them, as the C# trainer does every step.
        figures = torch.stack([elbo, recon, kl, info, penalty]).detach().double().tolist()
        if not all(math.isfinite(f) for f in figures):
            raise FloatingPointError(f"diverged: {figures}")

        self.opt_theta.zero_grad(set_to_none=True)
        self.opt_omega.zero_grad(set_to_none=True)
        if cfg.data == "gaussian":
            loss_theta.backward()
            self.opt_omega.zero_grad(set_to_none=True)  # drop loss_theta's r gradients
            (-r_objective).backward()
        else:
            (loss_theta - r_objective).backward()
        self.opt_theta.step()
        self.opt_omega.step()

        self.last = {"elbo": elbo, "info": info, "loss_theta": loss_theta,
                     "loss_omega": -r_objective}


# --------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------


def time_steps(runner: MaeStep, warmup: int, steps: int) -> list:
    for _ in range(warmup):
        runner.step()
    times_ms = []
    for _ in range(steps):
        t0 = time.perf_counter()
        runner.step()
        times_ms.append((time.perf_counter() - t0) * 1000.0)
    return times_ms


def run_benchmark(cfg: BenchConfig, args) -> dict:
    torch.manual_seed(args.seed)
    runner = MaeStep(cfg)
    times_ms = time_steps(runner, args.warmup, args.steps)
    last = {k: float(v) for k, v in runner.last.items()}
    if not all(math.isfinite(v) for v in last.values()):
        raise RuntimeError(f"{cfg.name}: non-finite losses after training: {last}")
    median = statistics.median(times_ms)
    ordered = sorted(times_ms)
    return {
        "benchmark": cfg.name,
        "implementation": f"pytorch-{torch.__version__}-eager",
        "architecture": cfg.architecture,
        "batch": cfg.batch,
        "threads": torch.get_num_threads(),
        "median_step_ms": median,
        "steps_per_second": 1000.0 / median,
        # table only:
        "min_ms": ordered[0],
        "p90_ms": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
        "last": last,
    }


def print_table(rows: list) -> None:
    head = (f"{'benchmark':<18} {'architecture':<24} {'batch':>5} {'thr':>3} "
            f"{'median ms':>9} {'min ms':>8} {'p90 ms':>8} {'steps/s':>8}   "
            f"{'elbo':>9} {'I_hat':>7}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['benchmark']:<18} {r['architecture']:<24} {r['batch']:>5} "
              f"{r['threads']:>3} {r['median_step_ms']:>9.3f} {r['min_ms']:>8.3f} "
              f"{r['p90_ms']:>8.3f} {r['steps_per_second']:>8.1f}   "
              f"{r['last']['elbo']:>9.3f} {r['last']['info']:>7.3f}")


def write_csv(rows: list, out_dir: str) -> str:
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "peer-pytorch.csv")
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for r in rows:
            writer.writerow([r["benchmark"], r["implementation"], r["architecture"],
                             r["batch"], r["threads"], f"{r['median_step_ms']:.4f}",
                             f"{r['steps_per_second']:.2f}"])
    return path


def loaded_blas() -> str:
    """The BLAS/LAPACK shared objects actually mapped into this process."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                if "blas" in path.lower() or "lapack" in path.lower():
                    libs.add(os.path.basename(os.path.realpath(path)))
    except OSError:
        return "unknown"
    return ", ".join(sorted(libs)) or "none"


def parse_args(argv=None):
    names = [b.name for b in BENCHMARKS]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="directory for peer-pytorch.csv")
    p.add_argument("--steps", type=int, default=200, help="measured steps (default 200)")
    p.add_argument("--warmup", type=int, default=20, help="untimed steps (default 20)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--seed", type=int, default=0, help="torch seed (default 0)")
    p.add_argument("--only", default=",".join(names),
                   help=f"comma-separated subset of: {', '.join(names)}")
    args = p.parse_args(argv)
    if args.steps < 1 or args.warmup < 0 or args.threads < 1:
        p.error("--steps >= 1, --warmup >= 0 and --threads >= 1 are required")
    wanted = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        p.error(f"unknown benchmark(s): {', '.join(unknown)}")
    args.benchmarks = [b for b in BENCHMARKS if b.name in wanted]
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__} eager, threads={torch.get_num_threads()}, "
          f"BLAS: {loaded_blas()}, OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}, "
          f"warmup={args.warmup}, steps={args.steps}, seed={args.seed}")
    if "openblas" not in loaded_blas().lower():
        print("WARNING: torch is not using OpenBLAS (reference BLAS is ~5-10x slower "
              "on these GEMMs); run bench/peer/setup.sh", file=sys.stderr)
    rows = []
    for cfg in args.benchmarks:
        rows.append(run_benchmark(cfg, args))
    print_table(rows)
    path = write_csv(rows, args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
