"""LLM economics, as Sunyan ("The Economics of Large Language Models", January 2023) worked them out.

Source: Sunyan, "The Economics of Large Language Models", January 2023, in OneFlow's Chinese
translation, quoted below as [E "<phrase>"]. The chain: a decoder-only LLM costs ~2N FLOPs per token to run and ~6N per token to
train; at a FLOPS utilization and a cloud price per processor-hour that gives USD per 1k tokens and
USD per training run; an API price per 1k tokens, words per query, cache hits and the cloud's gross
margin give the cost of an LLM-powered search query, set against search revenue per query.

The translation lost the article's equations and tables (they were images), so some steps are
reconstructed; each reading below reproduces the source's printed figures:

- Words per query. [E "50字的prompt生成400字的响应 ... 每个查询采样5个响应"] and, for the summarizer,
  [E "K = 10并且搜索结果中的每个相关部分平均为1000个单词"]. The prompt is billed once per query and
  every sampled response is billed: ChatGPT-equivalent = 50 + 5 x 400 = 2,050 words; 2-stage
  summarizer = 50 + K x (1000 + 400) = 14,050 words (one response per search result, the best kept).
  At $0.02/750 words, x (1 - 30% cache hits) x (1 - 75% margin) these give $0.0096 and $0.0656 per
  query, printed "0.010" and "0.066". (Billing the prompt with every response instead gives $0.0105
  and $0.0677, which would print as 0.011 and 0.068, so the source did not read it that way.)
- Cost to the provider = API price x (1 - cloud gross margin); cached queries cost nothing.
- Revenue per query. [E "每月处理的搜索次数达1000亿次 ... 34%上升到了2020年的60% ... 2.1万亿次 ...
  约1000亿美元 ... 0.048美元"]: 100e9/month x 12 x 0.60/0.34 = 2.12e12 searches/year; $100B /
  2.12e12 = $0.0472 (printed 0.048, which is $100B / 2.1e12 with the count rounded first).
- Optimized cost. [E "降至原来的1/4"] x [E "云计算的毛利率约为50% ... 降低至当前的1/2"]: the in-house
  factor is (1 - the cloud's hardware gross margin).
- Cloud compute cost per 1k tokens. [E "8个A100的AWS P4实例的有效时薪 ... 19.22美元"] per 8 GPUs,
  312 TFLOPS peak, 21.3% utilization: 2N x 1000 FLOP / (312e12 x 0.213) s x $19.22/8 per hour
  = $0.00352 for N = 175B ("0.0035美元").
- TPU v4 (training). The translation cites only "GCP TPU v4 pricing [19]"; its table is lost. The
  two training costs it prints, GPT-3 $1.4M and PaLM $11.2M, are both reproduced exactly by the
  TPU v4 bf16 peak of 275 TFLOPS and Google Cloud's 1-year committed price of $2.03 per chip-hour
  (on-demand was $3.22) at 46.2% utilization: 6 x 175e9 x 300e9 / (275e12 x 0.462) s = 689k
  chip-hours x $2.03 = $1.40M; PaLM (540B params, 780B tokens from the PaLM paper) = $11.2M.
- Training memory. [E "内存为20N"]: 20 bytes per parameter (mixed-precision Adam); GPUs needed =
  memory / 80 GB (continuous; the source rounds 43.75 up to 44).
- Jasper. [E "82美元/100000字(相当于1.09美元/1000个token)"]: the source's 1.09 divides by 0.75
  words/token where it should multiply; this model multiplies (1000 tokens = 750 words), giving
  $0.615 per 1k tokens.

Every function is pure arithmetic on named arrays: numpy arrays and PyTensor tensors alike.
"""

from __future__ import annotations

from typing import Any, Mapping

from flopcast.models._convention import DENSE, FLOP_FORWARD, FLOP_TRAINING, declare
from flopcast.models.spec import Quantity

SECONDS_PER_HOUR = 3600.0
MONTHS_PER_YEAR = 12.0
TOKENS_PER_KTOK = 1000.0
# FLOP conventions (models/_convention.py): the 2N and 6N rules count FLOPs (2 per multiply-add), as
# the equations and the FLOP/s peaks do; the peaks are dense.
INFERENCE_CONVENTION = declare(
    FLOP_FORWARD, FLOP_FORWARD, "Kaplan et al. 2020, section 2.1: 2N FLOPs per token forward"
)
TRAINING_CONVENTION = declare(
    FLOP_TRAINING, FLOP_TRAINING, "Kaplan et al. 2020, section 2.1: 6N FLOPs per token, forward + backward"
)
PEAK_CONVENTION = declare(DENSE, DENSE, "A100 and TPU v4 datasheets: dense peaks")

INPUTS = {
    # --- the model and its training run
    "params": Quantity(
        "parameters",
        "parameter count N of the dense decoder-only LLM",
        None,
        '[E "像GPT-3这样拥有1750亿参数的模型"]',
        domain="positive",
    ),
    "training_tokens": Quantity(
        "tokens",
        "tokens the model is trained on",
        None,
        '[E "1750亿参数模型的GPT-3是在3000亿token上进行训练的"]',
        domain="positive",
    ),
    "inference_flops_per_param_token": Quantity(
        "FLOP/parameter/token",
        "inference FLOPs per token per parameter",
        2.0,
        '[E "在推理过程中每个token的计算成本(以FLOPs为指标)约为2N"]',
        domain="positive",
        convention=INFERENCE_CONVENTION,
    ),
    "training_flops_per_param_token": Quantity(
        "FLOP/parameter/token",
        "training FLOPs per token per parameter",
        6.0,
        '[E "每个token的训练成本通常约为6N"]',
        domain="positive",
        convention=TRAINING_CONVENTION,
    ),
    # --- hardware and cloud prices
    "a100_peak_flops": Quantity(
        "FLOP/s",
        "A100 FP16/FP32 mixed-precision dense peak",
        312e12,
        '[E "每个A100提供峰值312 TFLOPS"]',
        domain="positive",
        convention=PEAK_CONVENTION,
    ),
    "a100_instance_usd_per_hour": Quantity(
        "USD/instance-hour",
        "AWS p4 (8 x A100) effective hourly rate, 1-year reservation",
        19.22,
        '[E "拥有8个A100的AWS P4实例的有效时薪(effective hourly rate)将达19.22美元"]',
        domain="positive",
    ),
    "gpus_per_instance": Quantity(
        "GPUs/instance", "A100s per AWS p4 instance", 8.0, '[E "拥有8个A100的AWS P4实例"]', domain="integer"
    ),
    "tpu_peak_flops": Quantity(
        "FLOP/s",
        "TPU v4 bf16 dense peak per chip",
        275e12,
        'Google Cloud TPU v4 spec, 275 TFLOPS; [E "基于GCP TPU v4定价"] (table lost in translation)',
        domain="positive",
        convention=PEAK_CONVENTION,
    ),
    "tpu_usd_per_chip_hour": Quantity(
        "USD/chip-hour",
        "GCP TPU v4 price per chip-hour, 1-year commitment",
        2.03,
        "GCP TPU v4 pricing (2022-23): $3.22 on-demand, $2.03 1-year, $1.45 3-year; "
        "$2.03 reproduces the source's $1.4M and $11.2M",
        domain="positive",
    ),
    "inference_utilization": Quantity(
        "fraction",
        "model FLOPS utilization when serving",
        None,
        '[E "假设模型的FLOPS利用率为21.3%,与训练期间的GPT-3保持一致"]',
        domain="open_fraction",
    ),
    "training_utilization": Quantity(
        "fraction",
        "model FLOPS utilization when training",
        None,
        '[E "模型的FLOPS利用率为46.2% ... 与在TPU v4芯片上进行训练的PaLM模型"]',
        domain="open_fraction",
    ),
    "bytes_per_param_training": Quantity(
        "bytes/parameter",
        "training memory per parameter (weights, gradients, optimizer)",
        None,
        '[E "保存优化器状态、梯度和参数所需的内存为20N"]',
        domain="positive",
    ),
    "gpu_memory_bytes": Quantity(
        "bytes/GPU", "HBM of one H100", 80e9, '[E "H100仅包含80GB的高带宽内存(HBM)"]', domain="positive"
    ),
    # --- the API and a search query
    "api_usd_per_1k_tokens": Quantity(
        "USD/1k tokens",
        "OpenAI Davinci API price",
        None,
        '[E "0.02美元/1000个token,其中1000token约等于750个单词"]',
        domain="positive",
    ),
    "words_per_token": Quantity(
        "words/token", "English words per token", None, '[E "1000token约等于750个单词"]', domain="positive"
    ),
    "prompt_words": Quantity(
        "words", "words in the user's query (prompt)", None, '[E "针对50字的prompt"]', domain="positive"
    ),
    "answer_words": Quantity(
        "words", "words in one generated response", None, '[E "生成400字的响应"]', domain="positive"
    ),
    "samples_per_query": Quantity(
        "responses/query",
        "responses sampled per query (ChatGPT-equivalent)",
        None,
        '[E "模型对每个查询采样5个响应,从中选择最佳响应"]',
        domain="count",
    ),
    "search_results": Quantity(
        "results/query",
        "search results K summarized per query (2-stage summarizer)",
        None,
        '[E "假设K = 10"]',
        domain="count",
    ),
    "words_per_result": Quantity(
        "words/result",
        "words of the relevant part of one search result",
        None,
        '[E "搜索结果中的每个相关部分平均为1000个单词"]',
        domain="positive",
    ),
    "cache_hit_rate": Quantity(
        "fraction",
        "share of queries answered from cache",
        None,
        '[E "优化的缓存命中率为30%(谷歌历史搜索缓存命中率的下限)"]',
        domain="fraction",
    ),
    "api_gross_margin": Quantity(
        "fraction",
        "API provider's gross margin on its price",
        None,
        '[E "OpenAI云服务的毛利率为75%(与典型的SaaS服务一致)"]',
        domain="fraction",
    ),
    # --- search revenue
    "searches_per_month_2012": Quantity(
        "searches/month",
        "Google searches per month in 2012",
        None,
        '[E "2012年 ... 每月处理的搜索次数达1000亿次"]',
        domain="positive",
    ),
    "internet_penetration_2012": Quantity(
        "fraction",
        "world internet penetration, 2012",
        None,
        '[E "全球互联网普及率已从2012年的34%"]',
        domain="open_fraction",
    ),
    "internet_penetration_2020": Quantity(
        "fraction", "world internet penetration, 2020", None, '[E "上升到了2020年的60%"]', domain="open_fraction"
    ),
    "search_revenue_usd_per_year": Quantity(
        "USD/year", "search-related revenue per year", None, '[E "与搜索相关的收入将达约1000亿美元"]', domain="positive"
    ),
    # --- optimisations
    "optimization_factor": Quantity(
        "x cost",
        "cost multiplier from quantization, distillation, compute-optimal models",
        None,
        '[E "通过以下优化,预估成本大约会降至原来的1/4"]',
        domain="positive",
    ),
    "cloud_infra_gross_margin": Quantity(
        "fraction",
        "cloud provider's gross margin on hardware (saved by owning it)",
        None,
        '[E "假设云计算的毛利率约为50% ... 会使成本降低至当前的1/2"]',
        domain="fraction",
    ),
    # --- a SaaS comparison
    "jasper_usd_per_100k_words": Quantity(
        "USD/100k words", "Jasper.ai price", 82.0, '[E "Jasper.ai收费为82美元/100000字"]', domain="positive"
    ),
}

OUTPUTS = {
    "inference_flops_per_token": Quantity("FLOP/token", "inference compute per token (2N)", domain="positive"),
    "training_flops": Quantity("FLOP", "training compute (6 N D)", domain="positive"),
    "inference_usd_per_1k_tokens": Quantity(
        "USD/1k tokens", "cloud compute cost per 1k tokens on AWS A100s", domain="positive"
    ),
    "inference_usd_per_1k_tokens_tpu": Quantity(
        "USD/1k tokens", "cloud compute cost per 1k tokens on GCP TPU v4", domain="positive"
    ),
    "compute_cost_share_of_api_price": Quantity(
        "fraction", "A100 compute cost per 1k tokens over the API price", domain="positive"
    ),
    "api_gross_margin_implied": Quantity(
        "fraction", "API gross margin implied by the A100 compute cost", domain="real"
    ),
    "training_over_inference_utilization": Quantity(
        "x", "training FLOPS utilization over serving utilization (PaLM over GPT-3)", domain="positive"
    ),
    "training_tpu_chip_hours": Quantity(
        "TPU-chip-hours", "TPU v4 chip-hours to train at training_utilization", domain="positive"
    ),
    "training_usd": Quantity("USD", "cloud cost to train on GCP TPU v4", domain="positive"),
    "training_usd_a100": Quantity("USD", "cloud cost to train on AWS A100s at training_utilization", domain="positive"),
    "training_memory_bytes": Quantity("bytes", "memory for weights, gradients and optimizer state", domain="positive"),
    "min_gpus_for_training_memory": Quantity(
        "GPUs", "80 GB GPUs needed just to hold the training state", domain="positive"
    ),
    "chatgpt_words_per_query": Quantity("words/query", "billed words per query, ChatGPT-equivalent", domain="positive"),
    "summarizer_words_per_query": Quantity(
        "words/query", "billed words per query, 2-stage search summarizer", domain="positive"
    ),
    "chatgpt_usd_per_query": Quantity(
        "USD/query",
        "cloud cost per query, ChatGPT-equivalent (API price less margin, after cache)",
        domain="nonnegative",
    ),
    "summarizer_usd_per_query": Quantity(
        "USD/query", "cloud cost per query, 2-stage search summarizer", domain="nonnegative"
    ),
    "summarizer_usd_per_query_a100": Quantity(
        "USD/query", "2-stage summarizer per query priced bottom-up from A100 FLOPs, after cache", domain="nonnegative"
    ),
    "annual_searches": Quantity(
        "searches/year", "search queries per year, extrapolated by internet penetration", domain="positive"
    ),
    "revenue_usd_per_query": Quantity("USD/query", "search revenue per query", domain="positive"),
    "summarizer_cost_over_revenue": Quantity(
        "x revenue", "2-stage summarizer cost per query over revenue per query", domain="nonnegative"
    ),
    "optimized_summarizer_usd_per_query": Quantity(
        "USD/query", "summarizer cost after model optimisations and owned hardware", domain="nonnegative"
    ),
    "optimized_cost_share_of_revenue": Quantity(
        "fraction", "optimized summarizer cost over revenue per query", domain="nonnegative"
    ),
    "llm_search_usd_per_year": Quantity(
        "USD/year", "optimized LLM cost of every search query for a year", domain="nonnegative"
    ),
    "jasper_usd_per_1k_tokens": Quantity(
        "USD/1k tokens", "Jasper.ai price per 1k tokens (1k tokens = 750 words)", domain="positive"
    ),
}

KEY_OUTPUTS = (
    "summarizer_usd_per_query",
    "optimized_cost_share_of_revenue",
    "training_usd",
    "inference_usd_per_1k_tokens",
)


def flops_per_token(flops_per_param_token, params):
    """[E "每个token的计算成本 ... 约为2N"] / [E "训练成本通常约为6N"]: FLOPs per token = k x N."""
    return flops_per_param_token * params


def training_flops(flops_per_token_, tokens):
    """6N per token x D tokens: 6 x 175e9 x 300e9 = 3.15e23 FLOP for GPT-3."""
    return flops_per_token_ * tokens


def processor_hours(flops, peak_flops, utilization):
    """FLOPs / (peak x utilization), in hours of one processor (GPU or TPU chip)."""
    return flops / (peak_flops * utilization) / SECONDS_PER_HOUR


def usd_per_gpu_hour(instance_usd_per_hour, gpus_per_instance):
    """[E "拥有8个A100的AWS P4实例的有效时薪 ... 19.22美元"]: $19.22 / 8 = $2.40 per A100-hour."""
    return instance_usd_per_hour / gpus_per_instance


def usd_per_1k_tokens(flops_per_token_, peak_flops, utilization, usd_per_hour):
    """[E "我们估计其成本约为0.0035美元/1000词"]: 1000 x 2N / (312e12 x 0.213) s x $2.40/h = $0.0035."""
    return processor_hours(flops_per_token_ * TOKENS_PER_KTOK, peak_flops, utilization) * usd_per_hour


def share(part, whole):
    """[E "约为0.0035美元/1000词,占定价的20%左右"]: a ratio (0.0035 / 0.02 = 17.6%)."""
    return part / whole


def margin_from_share(cost_share):
    """[E "对于一台一直运行的机器而言,其毛利率约为80%"]: 1 - cost / price."""
    return 1.0 - cost_share


def utilization_ratio(training_utilization, inference_utilization):
    """[E "PaLM模型在TPU v4芯片上实现了46.2%的模型FLOPS利用率,是GPT-3训练利用率的2.2倍"]: 46.2 / 21.3 = 2.17."""
    return training_utilization / inference_utilization


def training_memory(params, bytes_per_param):
    """[E "内存为20N ... GPT-3 ... 内存要求转换为3.5TB"]: 20 x 175e9 = 3.5e12 bytes."""
    return params * bytes_per_param


def gpus_for_memory(memory_bytes, gpu_memory_bytes):
    """[E "至少需要44个H100才能满足GPT-3的内存要求"]: 3.5e12 / 80e9 = 43.75."""
    return memory_bytes / gpu_memory_bytes


def words_per_query(prompt_words, context_words, responses, answer_words):
    """Billed words: the prompt once, the retrieved context, and every sampled response.
    ChatGPT-equivalent: 50 + 0 + 5 x 400; summarizer: 50 + 10 x 1000 + 10 x 400 (module docstring)."""
    return prompt_words + context_words + responses * answer_words


def api_usd(words, api_usd_per_1k_tokens, words_per_token):
    """[E "0.02美元/750个单词(0.02美元/1000个token,其中1000token约等于750个单词)"]."""
    return words / (words_per_token * TOKENS_PER_KTOK) * api_usd_per_1k_tokens


def cloud_cost_per_query(api_price, cache_hit_rate, gross_margin):
    """[E "假设优化的缓存命中率为30% ... 毛利率为75%"]: what serving costs the provider,
    price x (1 - margin), paid only for the queries the cache misses."""
    return api_price * (1.0 - cache_hit_rate) * (1.0 - gross_margin)


def annual_searches(per_month_2012, penetration_2012, penetration_2020):
    """[E "每月处理的搜索次数达1000亿次 ... 34% ... 60% ... 假设搜索量按比例增长,则预计其年均搜索量将达2.1万亿次"]."""
    return per_month_2012 * MONTHS_PER_YEAR * penetration_2020 / penetration_2012


def revenue_per_query(revenue_per_year, searches_per_year):
    """[E "与搜索相关的收入将达约1000亿美元,平均每次搜索的收入为0.048美元"]."""
    return revenue_per_year / searches_per_year


def optimized_cost(cost, optimization_factor, cloud_infra_gross_margin):
    """[E "0.066 美元/次 * 1/4 * 1/2, 约定于0.008美元"]: x 1/4 for the model, x (1 - 50%) for owning hardware."""
    return cost * optimization_factor * (1.0 - cloud_infra_gross_margin)


def jasper_per_1k_tokens(usd_per_100k_words, words_per_token):
    """[E "82美元/100000字(相当于1.09美元/1000个token)"]: 1000 tokens are 750 words, so
    $82 / 100k words x 750 = $0.615 (the source's 1.09 divides by 0.75 instead)."""
    return usd_per_100k_words / 100e3 * words_per_token * TOKENS_PER_KTOK


def evaluate(x: Mapping[str, Any]) -> dict[str, Any]:
    infer_per_token = flops_per_token(x["inference_flops_per_param_token"], x["params"])
    train = training_flops(flops_per_token(x["training_flops_per_param_token"], x["params"]), x["training_tokens"])
    a100_usd_h = usd_per_gpu_hour(x["a100_instance_usd_per_hour"], x["gpus_per_instance"])
    per_1k = usd_per_1k_tokens(infer_per_token, x["a100_peak_flops"], x["inference_utilization"], a100_usd_h)
    per_1k_tpu = usd_per_1k_tokens(
        infer_per_token, x["tpu_peak_flops"], x["inference_utilization"], x["tpu_usd_per_chip_hour"]
    )
    cost_share = share(per_1k, x["api_usd_per_1k_tokens"])
    chip_hours = processor_hours(train, x["tpu_peak_flops"], x["training_utilization"])
    memory = training_memory(x["params"], x["bytes_per_param_training"])

    chat_words = words_per_query(x["prompt_words"], 0.0, x["samples_per_query"], x["answer_words"])
    summ_words = words_per_query(
        x["prompt_words"], x["search_results"] * x["words_per_result"], x["search_results"], x["answer_words"]
    )
    chat = cloud_cost_per_query(
        api_usd(chat_words, x["api_usd_per_1k_tokens"], x["words_per_token"]),
        x["cache_hit_rate"],
        x["api_gross_margin"],
    )
    summ = cloud_cost_per_query(
        api_usd(summ_words, x["api_usd_per_1k_tokens"], x["words_per_token"]),
        x["cache_hit_rate"],
        x["api_gross_margin"],
    )
    # Bottom-up: the same billed tokens at the A100 compute cost, no margin.
    summ_a100 = cloud_cost_per_query(api_usd(summ_words, per_1k, x["words_per_token"]), x["cache_hit_rate"], 0.0)

    searches = annual_searches(
        x["searches_per_month_2012"], x["internet_penetration_2012"], x["internet_penetration_2020"]
    )
    revenue = revenue_per_query(x["search_revenue_usd_per_year"], searches)
    optimized = optimized_cost(summ, x["optimization_factor"], x["cloud_infra_gross_margin"])
    return {
        "inference_flops_per_token": infer_per_token,
        "training_flops": train,
        "inference_usd_per_1k_tokens": per_1k,
        "inference_usd_per_1k_tokens_tpu": per_1k_tpu,
        "compute_cost_share_of_api_price": cost_share,
        "api_gross_margin_implied": margin_from_share(cost_share),
        "training_over_inference_utilization": utilization_ratio(x["training_utilization"], x["inference_utilization"]),
        "training_tpu_chip_hours": chip_hours,
        "training_usd": chip_hours * x["tpu_usd_per_chip_hour"],
        "training_usd_a100": processor_hours(train, x["a100_peak_flops"], x["training_utilization"]) * a100_usd_h,
        "training_memory_bytes": memory,
        "min_gpus_for_training_memory": gpus_for_memory(memory, x["gpu_memory_bytes"]),
        "chatgpt_words_per_query": chat_words,
        "summarizer_words_per_query": summ_words,
        "chatgpt_usd_per_query": chat,
        "summarizer_usd_per_query": summ,
        "summarizer_usd_per_query_a100": summ_a100,
        "annual_searches": searches,
        "revenue_usd_per_query": revenue,
        "summarizer_cost_over_revenue": summ / revenue,
        "optimized_summarizer_usd_per_query": optimized,
        "optimized_cost_share_of_revenue": optimized / revenue,
        "llm_search_usd_per_year": optimized * searches,
        "jasper_usd_per_1k_tokens": jasper_per_1k_tokens(x["jasper_usd_per_100k_words"], x["words_per_token"]),
    }
