"""The API reward code may use, as data: everything the static critic allows, and nothing else.

The critic is default-deny. A name reached through torch, math or typing, a method or attribute of a
value, and a bare call are each looked up here; whatever is not listed is refused, and the refusal
names its kind (:data:`REFUSED_KINDS`) with what to use instead. ``tests/agents/critic/test_allowed_api.py``
checks every listed name against the torch that ``requirements.lock`` pins, so an upgrade that drops or
renames one fails there, not in a run.

What is allowed, and why this much: reward code computes on ``[num_envs]`` tensors, so tensor creation
and arithmetic, ``torch.linalg``, ``torch.special``, ``torch.nn.functional`` and the tensor methods that
compute cover what an RL reward needs (Eureka's rewards, this project's references and hack set use a
small part of it). Files, storages, compilers, profilers, exporters, process groups and op libraries are
not computation on the state, and each has reached the filesystem or a subprocess from reward code.
"""

from __future__ import annotations

import builtins
from typing import Literal


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _prefixes(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: Modules whose listed names reward code may reach, by dotted path. ``torch.nn`` leads only to
#: ``torch.nn.functional``; a module not here (``torch.jit``, ``torch.utils``, ...) is refused.
TORCH_MODULES = ("torch", "torch.linalg", "torch.special", "torch.nn", "torch.nn.functional")

#: ``torch.<name>``: tensor creation, dtypes and constants, arithmetic, reductions, comparisons, shapes.
TORCH = _names(
    """
    Tensor Size device dtype finfo iinfo no_grad inference_mode is_tensor is_floating_point is_complex numel
    float16 float32 float64 half float double bfloat16 int8 int16 int32 int64 uint8 int long short bool
    complex64 complex128 pi e inf nan
    tensor as_tensor zeros ones full empty zeros_like ones_like full_like empty_like rand rand_like randn
    randn_like randint randint_like arange linspace logspace eye tril triu diag diag_embed diagonal
    abs absolute neg negative sign sgn signbit positive add sub subtract mul multiply div divide true_divide
    floor_divide remainder fmod reciprocal rsqrt sqrt square pow float_power exp exp2 expm1 log log2 log10
    log1p logaddexp logaddexp2 sin cos tan asin acos atan atan2 arctan2 arcsin arccos arctan sinh cosh tanh
    asinh acosh atanh arcsinh arccosh arctanh sigmoid logit erf erfc erfinv lgamma digamma deg2rad rad2deg
    hypot sinc xlogy floor ceil round trunc frac fix clamp clip clamp_min clamp_max lerp nan_to_num copysign
    heaviside maximum minimum fmax fmin max min amax amin aminmax argmax argmin sum nansum prod mean nanmean
    median nanmedian mode std var std_mean var_mean cumsum cumprod cummax cummin logcumsumexp logsumexp
    softmax log_softmax norm dist cdist dot vdot matmul mm bmm mv outer inner einsum cross tensordot kron
    all any count_nonzero eq ne lt le gt ge greater greater_equal less less_equal not_equal equal isclose
    allclose isfinite isinf isnan isneginf isposinf isreal logical_and logical_or logical_not logical_xor
    bitwise_and bitwise_or bitwise_not bitwise_xor where masked_select masked_fill index_select gather
    scatter scatter_add take take_along_dim nonzero argwhere searchsorted bucketize stack cat concat
    concatenate hstack vstack dstack column_stack split chunk tensor_split unbind flatten unflatten reshape
    squeeze unsqueeze transpose permute movedim moveaxis swapaxes swapdims t flip fliplr flipud roll rot90
    narrow select broadcast_to broadcast_tensors broadcast_shapes meshgrid repeat_interleave tile sort
    argsort topk kthvalue unique unique_consecutive histc bincount diff trapezoid trapz cumulative_trapezoid
    atleast_1d atleast_2d atleast_3d clone result_type promote_types can_cast complex real imag angle polar
    conj
    """
)

#: ``torch.linalg.<name>``.
LINALG = _names(
    """
    cholesky cholesky_ex cond cross det diagonal eig eigh eigvals eigvalsh householder_product inv inv_ex
    ldl_factor ldl_factor_ex ldl_solve lstsq lu lu_factor lu_factor_ex lu_solve matmul matrix_exp matrix_norm
    matrix_power matrix_rank multi_dot norm pinv qr slogdet solve solve_ex solve_triangular svd svdvals
    tensorinv tensorsolve vander vecdot vector_norm
    """
)

#: ``torch.special.<name>``.
SPECIAL = _names(
    """
    airy_ai bessel_j0 bessel_j1 bessel_y0 bessel_y1 chebyshev_polynomial_t chebyshev_polynomial_u
    chebyshev_polynomial_v chebyshev_polynomial_w digamma entr erf erfc erfcx erfinv exp2 expit expm1 gammainc
    gammaincc gammaln hermite_polynomial_h hermite_polynomial_he i0 i0e i1 i1e laguerre_polynomial_l
    legendre_polynomial_p log1p log_ndtr log_softmax logit logsumexp modified_bessel_i0 modified_bessel_i1
    modified_bessel_k0 modified_bessel_k1 multigammaln ndtr ndtri polygamma psi round scaled_modified_bessel_k0
    scaled_modified_bessel_k1 shifted_chebyshev_polynomial_t shifted_chebyshev_polynomial_u
    shifted_chebyshev_polynomial_v shifted_chebyshev_polynomial_w sinc softmax spherical_bessel_j0 xlog1py
    xlogy zeta
    """
)

#: ``torch.nn.functional.<name>``: its functions, less torch-function dispatch helpers and typing re-exports.
FUNCTIONAL = _names(
    """
    adaptive_avg_pool1d adaptive_avg_pool2d adaptive_avg_pool3d adaptive_max_pool1d
    adaptive_max_pool1d_with_indices adaptive_max_pool2d adaptive_max_pool2d_with_indices adaptive_max_pool3d
    adaptive_max_pool3d_with_indices affine_grid alpha_dropout avg_pool1d avg_pool2d avg_pool3d batch_norm
    bilinear binary_cross_entropy binary_cross_entropy_with_logits celu celu_ channel_shuffle conv1d conv2d
    conv3d conv_tbc conv_transpose1d conv_transpose2d conv_transpose3d cosine_embedding_loss cosine_similarity
    cross_entropy ctc_loss dropout dropout1d dropout2d dropout3d elu elu_ embedding embedding_bag
    feature_alpha_dropout fold fractional_max_pool2d fractional_max_pool2d_with_indices fractional_max_pool3d
    fractional_max_pool3d_with_indices gaussian_nll_loss gelu glu grid_sample group_norm gumbel_softmax
    hardshrink hardsigmoid hardswish hardtanh hardtanh_ hinge_embedding_loss huber_loss instance_norm
    interpolate kl_div l1_loss layer_norm leaky_relu leaky_relu_ linear local_response_norm log_softmax
    logsigmoid lp_pool1d lp_pool2d lp_pool3d margin_ranking_loss max_pool1d max_pool1d_with_indices max_pool2d
    max_pool2d_with_indices max_pool3d max_pool3d_with_indices max_unpool1d max_unpool2d max_unpool3d mish
    mse_loss multi_margin_loss multilabel_margin_loss multilabel_soft_margin_loss nll_loss normalize one_hot
    pad pairwise_distance pdist pixel_shuffle pixel_unshuffle poisson_nll_loss prelu relu relu6 relu_ rms_norm
    rrelu rrelu_ scaled_dot_product_attention selu selu_ sigmoid silu smooth_l1_loss soft_margin_loss softmax
    softmin softplus softshrink softsign tanh tanhshrink threshold threshold_ triplet_margin_loss
    triplet_margin_with_distance_loss unfold upsample upsample_bilinear upsample_nearest
    """
)

#: What each allowed module offers, by dotted path (``torch.nn`` offers only its ``functional``).
MODULE_NAMES: dict[str, frozenset[str]] = {
    "torch": TORCH,
    "torch.linalg": LINALG,
    "torch.special": SPECIAL,
    "torch.nn": frozenset(),
    "torch.nn.functional": FUNCTIONAL,
    "math": _names(
        """
        acos acosh asin asinh atan atan2 atanh cbrt ceil comb copysign cos cosh degrees dist e erf erfc exp exp2
        expm1 fabs factorial floor fmod frexp fsum gamma gcd hypot inf isclose isfinite isinf isnan isqrt lcm
        ldexp lgamma log log10 log1p log2 modf nan nextafter perm pi pow prod radians remainder sin sinh sqrt tan
        tanh tau trunc ulp
        """
    ),
    # Names for annotations only; get_type_hints and the like evaluate strings, so they are not here.
    "typing": _names("Any Dict List Optional Sequence Mapping Tuple Union Callable Final Literal TYPE_CHECKING"),
}

#: Methods and attributes of a value (a tensor, a dict, a number) that reward code may use: tensor methods
#: that compute, their in-place forms, and the read-only facts of a tensor. ``.item()`` and the host
#: transfers (``.cpu()``, ``.numpy()``, ...) have rules of their own.
VALUE_ATTRIBUTES = _names(
    """
    abs abs_ absolute acos acosh add add_ addcdiv addcmul all allclose amax amin aminmax any argmax argmin
    argsort argwhere asin asinh atan atan2 atanh bitwise_and bitwise_not bitwise_or bitwise_xor bool bmm
    broadcast_to ceil ceil_ chunk clamp clamp_ clamp_max clamp_min clip clip_ clone conj contiguous copysign
    cos cosh count_nonzero cross cummax cummin cumprod cumsum deg2rad detach diag diag_embed diagonal diff
    digamma dim dist div div_ divide dot double eq equal erf erfc erfinv exp exp_ expand expand_as expm1 fill_
    fix flatten flip fliplr flipud float float_power floor floor_ floor_divide fmax fmin fmod frac gather ge gt
    half heaviside hypot index_select inner int is_complex is_floating_point isclose isfinite isinf isnan
    isneginf isposinf isreal item kthvalue le lerp lgamma log log10 log1p log2 logaddexp logaddexp2
    logcumsumexp logical_and logical_not logical_or logical_xor logit logsumexp long lt masked_fill
    masked_fill_ masked_select matmul max maximum mean median min minimum mm mode movedim moveaxis mul mul_
    multiply mv nan_to_num nanmean nanmedian nansum narrow ndim ne neg negative new_full new_ones new_tensor
    new_zeros nonzero norm numel outer permute pow pow_ prod rad2deg reciprocal remainder repeat
    repeat_interleave reshape reshape_as roll rot90 round round_ rsqrt scatter scatter_add select sgn sigmoid
    sign signbit sin sinc sinh size softmax log_softmax sort split sqrt sqrt_ square squeeze std sub sub_
    subtract sum swapaxes swapdims t tan tanh tensor_split tile to topk transpose tril triu true_divide trunc
    type_as unbind unflatten unique unsqueeze var view view_as where xlogy zero_
    shape dtype device T mT H mH real imag is_cuda requires_grad
    items keys values get copy
    """
)

#: Builtins reward code may call; everything else (open, eval, getattr, type, ...) is refused.
BUILTINS = _names(
    """
    abs all any bool dict enumerate float int isinstance len list max min pow print range reversed round sorted
    str sum tuple zip
    """
)

#: Builtins that read files, run code or reach into interpreter state: refused with a finding of their own.
REFUSED_BUILTINS = _names(
    """
    __import__ open eval exec compile globals locals vars input breakpoint exit quit help setattr delattr memoryview
    """
)

#: Exceptions reward code may raise or catch by name: ``Exception`` and the standard ones under it. A
#: ``BaseException`` that is not an ``Exception`` (``SystemExit``, ``KeyboardInterrupt``, ``GeneratorExit``)
#: would pass a reward's error, or a stop, through every ``except Exception`` on its way.
NON_EXCEPTIONS = frozenset({"BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit"})

#: The one use of ``torch.jit`` reward code may make: Eureka's decorator, which the loader blanks.
JIT_DECORATOR = "torch.jit.script"

RefusedKind = Literal[
    "file_or_storage", "compiler", "profiler_or_exporter", "distributed", "op_library", "private_name", "unknown"
]
"""Why a name is refused: the first kind whose prefixes it starts with, ``private_name``, or ``unknown``."""

#: Dotted prefixes of each kind. A name under none of them, and not allowed, is ``unknown``.
REFUSED_PREFIXES: dict[RefusedKind, tuple[str, ...]] = {
    "file_or_storage": _prefixes(
        """
        torch.from_file torch.frombuffer torch.from_numpy torch.load torch.save torch.serialization torch.storage
        torch.UntypedStorage torch.TypedStorage torch.ByteStorage torch.FloatStorage torch.hub torch.package
        torch.utils storage untyped_storage share_memory_ is_shared data_ptr set_ from_file pin_memory tofile numpy
        """
    ),
    "compiler": ("torch.compile", "torch.jit", "torch.compiler", "torch.fx", "torch.export", "torch.cpp"),
    "profiler_or_exporter": ("torch.profiler", "torch.autograd", "torch.onnx", "torch.monitor", "export_chrome_trace"),
    "distributed": ("torch.distributed", "torch.multiprocessing", "torch.futures"),
    "op_library": ("torch.library", "torch.ops", "torch.classes", "torch.backends", "torch.overrides"),
}

#: What to use instead, by kind: the second half of every refusal's one line.
INSTEAD: dict[RefusedKind, str] = {
    "file_or_storage": "it reads or writes files or shared memory; compute from the state tensors passed in",
    "compiler": "it compiles or generates code; write plain tensor code (only @torch.jit.script is kept, as a no-op)",
    "profiler_or_exporter": "it profiles or exports to files; return what you want to see as a reward component",
    "distributed": "it starts processes or process groups; compute on the batch of environments you are given",
    "op_library": "it defines or reaches operators outside torch's tensor maths; use torch's own functions",
    "private_name": "private names are not part of the API; use the public function that does the same",
    "unknown": "it is not in the API reward code may use: tensor creation and arithmetic, torch.linalg, "
    "torch.special, torch.nn.functional, tensor methods that compute, math, and the bounded transforms",
}


def refused_kind(dotted: str) -> RefusedKind:
    """The kind of a refused name, for its message: ``torch.jit.CompilationUnit`` is a ``compiler``."""
    for kind, prefixes in REFUSED_PREFIXES.items():
        if any(dotted == prefix or dotted.startswith(f"{prefix}.") for prefix in prefixes):
            return kind
    if any(part.startswith("_") for part in dotted.split(".")):
        return "private_name"
    return "unknown"


#: Builtin exceptions reward code may raise and catch: the subclasses of ``Exception``.
EXCEPTIONS = frozenset(
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, Exception)
)


def summary() -> str:
    """The allowed API in a few lines, for the prompts of the designer and the LLM critic."""
    return (
        "torch's tensor creation and arithmetic (torch.zeros_like, torch.where, torch.clamp, torch.exp, "
        "torch.stack, ...), torch.linalg, torch.special, torch.nn.functional, the tensor methods that compute "
        "(.abs(), .sum(dim=-1), .clamp(...), .to(dtype), ...), math, typing for annotations, and "
        "rewardsmith.rewards.transforms; @torch.jit.script is accepted and ignored. Everything else is refused: "
        "files, storages and serialisation (torch.from_file, torch.load/save, .untyped_storage()), compilers "
        "(torch.compile, torch.jit), profilers and exporters, distributed and multiprocessing, op libraries "
        "(torch.library, torch.ops), private names (a leading '_'), builtins beyond plain ones (len, range, "
        "min, max, abs, float, ...), and raising or catching anything that is not an Exception"
    )
