/* llm/llm.h: the engine's one public interface. A front end (the kernel's
 * `llm` command, the host CLI, tests, fuzzers) includes this and
 * llm/platform.h, nothing else from llm/:
 *
 *   llm_open_model(&m, bytes, size, &opts, &err)   GGUF -> weights + tokenizer
 *   llm_open_session(&s, m, &sopts, &err)          KV cache and scratch, sized once
 *   llm_generate(s, &request, &callbacks, &stats, &err)
 *   llm_close_session(s); llm_close_model(m);
 *
 * Handles are opaque. The model's bytes are used in place (tensor data and
 * vocabulary point into them), so they must outlive the model. Every failure
 * returns with a message in struct llm_err saying what was wrong and where.
 * This layer is thin: the token loop runs exactly as it did without it. */
#ifndef LLM_LLM_H
#define LLM_LLM_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "llm/error.h"

struct llm_model;
struct llm_session;

/* ------------------------------------------------------------- models */

struct llm_model_opts {
    bool repack;       /* Q4_0 weights in the NEON kernels' 4-row layout (faster,
                          same results): a copy of them, unless in_place */
    bool in_place;     /* with repack: rewrite them in data itself, which must be
                          writable and stay the model's: no copy, and
                          llm_close_model puts the file's bytes back */
    bool discard;      /* with in_place: the caller drops data after closing (a
                          copy read from a disk), so closing need not restore it */
    /* NULL, or called after each tensor repacked: done of total bytes (the
       caller can show progress on a large file) */
    void (*on_progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
    bool vocab_only;   /* the tokenizer alone (a vocabulary file): no weights, no sessions */
};

/* The step of opening that refused a file (tests count refusals by layer). */
enum llm_open_step {
    LLM_OPEN_GGUF = 1,     /* the container: header, metadata, tensor table */
    LLM_OPEN_MODEL,        /* hyperparameters and tensor shapes */
    LLM_OPEN_TOKENIZER,    /* tokenizer.ggml.* */
    LLM_OPEN_REPACK,       /* out of memory for the repacked copy (or in-place scratch) */
};

/* Parse data[0..size) (untrusted) into *out. Returns 0, or the
 * enum llm_open_step that failed with err set; nothing stays allocated. */
int  llm_open_model(struct llm_model **out, const void *data, size_t size,
                    const struct llm_model_opts *opts, struct llm_err *err);
void llm_close_model(struct llm_model *m);   /* NULL is fine */

/* tokenizer.ggml.model: which of llama.cpp's tokenizers the vocabulary uses. */
enum llm_tokenizer_kind {
    LLM_TOKENIZER_SPM,   /* "llama": SentencePiece, byte fallback <0xXX> */
    LLM_TOKENIZER_BPE,   /* "gpt2": byte-level BPE with a pre-tokenizer */
    LLM_TOKENIZER_WPM,   /* "bert": WordPiece (lower-cases: text does not round-trip) */
};

struct llm_model_info {
    uint32_t n_vocab, n_ctx_train, n_layer, n_embd;   /* n_ctx_train .. n_embd: 0 when vocab_only */
    enum llm_tokenizer_kind tokenizer;
    uint64_t weight_bytes;     /* tensor data the forward pass reads */
    uint64_t packed_bytes;     /* bytes of the repacked copies (0 without repack) */
    uint64_t packed_in_place;  /* bytes repacked in the caller's data (in_place) */
    uint64_t repackable_bytes; /* bytes a repack would still rewrite (or copy) */
    uint64_t data_offset;      /* where the tensor data starts in the file */
    int32_t  bos_id, eos_id;   /* -1 when absent */
    bool     add_bos;          /* the model wants BOS in front of a prompt */
    uint32_t max_piece;        /* llm_detokenize never needs a larger buffer */
    uint32_t n_user_tokens;    /* USER_DEFINED tokens, split out of any text */
    bool     all_byte_pieces;  /* every byte can be spelled: SPM has its <0xXX> piece,
                                  BPE GPT-2's stand-in for it (never WPM) */
};
void llm_get_model_info(const struct llm_model *m, struct llm_model_info *out);

/* A multi-line summary (architecture, dimensions, tensor types, bytes);
 * returns the length written, truncated to cap - 1. */
int  llm_describe_model(const struct llm_model *m, char *buf, size_t cap);

/* Where a tensor's data lies in the file, for tests that damage it on purpose.
 * Returns 0, or -1 when there is no tensor of that name. */
struct llm_tensor_info {
    uint64_t    offset, nbytes;   /* offset from the start of the file */
    const char *type_name;        /* "f32", "f16", "q4_0", ... */
};
int  llm_find_tensor(const struct llm_model *m, const char *name, struct llm_tensor_info *out);

/* ------------------------------------------------------------- text */

/* Tokenize text[0..len) as llama_tokenize. add_special adds the special
 * tokens the vocabulary asks for: BOS first when llm_model_info.add_bos, EOS
 * last when the vocabulary says so, WordPiece's [SEP] last. parse_special:
 * the text of a special token (<s>, </s>, <|im_start|>) is that token, as
 * llama-cli and llama-tokenize read a prompt; without it, text like any
 * other. Returns the number of ids, or -1 when max_ids is too small, len >
 * 64 MiB or out of memory. */
int  llm_tokenize(const struct llm_model *m, const char *text, size_t len, bool add_special,
                  bool parse_special, int32_t *ids, int max_ids);
/* The bytes of token id when it follows prev (prev < 0: the first token) as
 * llama_detokenize writes them; returns bytes written into buf (no NUL),
 * truncated to cap. A BPE token may hold part of a character: print a stream
 * of them through llm_utf8_stream. */
int  llm_detokenize(const struct llm_model *m, int32_t prev, int32_t id, char *buf, int cap);

/* llama.cpp's tokenizer test vectors: inp[0..len) is a .inp file (cases, each
 * followed by a line "__ggml_vocab_test__"); out receives its .out text, a
 * line per case of the ids of tokenizing it without special tokens, each
 * after a space. Returns the number of cases, or -1 (out got "error: ...\n"). */
int  llm_tokenize_cases(const struct llm_model *m, const char *inp, size_t len,
                        void (*out)(void *ctx, const char *s, size_t n), void *ctx);

/* Streaming text out token by token: a character whose bytes come in two
 * tokens is held back until it is whole, so it is printed once, complete.
 * Bytes that can never start or finish a character go out as they come.
 * Start from { .n_held = 0 }. */
struct llm_utf8_stream {
    char     held[4];
    uint32_t n_held;
};
/* Take in[0..n); write to out (room for n + 3 bytes) what can be printed now
 * and return its length. */
uint32_t llm_utf8_stream_push(struct llm_utf8_stream *s, const char *in, uint32_t n, char *out);
/* The held bytes of an unfinished character, at the end of the text (<= 3). */
uint32_t llm_utf8_stream_flush(struct llm_utf8_stream *s, char *out);

/* ------------------------------------------------------------- sessions */

enum llm_kv_type { LLM_KV_F16, LLM_KV_F32 };   /* F16: llama.cpp's default */
#define LLM_MAX_CTX (1u << 20)                  /* the largest n_ctx a session takes */

/* A pool of KV cache blocks (KV_BLOCK = 32 positions each, every layer's K
 * and V) that sessions of one model share: each takes blocks as it grows
 * instead of a whole context up front, and a prompt that starts as another
 * session's prompt did shares that session's full blocks of it
 * (copy-on-write) and computes only the rest. */
struct llm_kv_pool;
struct llm_kv_pool_info {
    uint32_t n_blocks, n_used;      /* blocks in all, and held by sessions */
    uint32_t block_positions;       /* positions per block (32) */
    size_t   block_bytes;           /* bytes per block */
    uint32_t n_shared;              /* blocks held by more than one session */
    uint32_t n_sessions;
    uint64_t positions;             /* positions the held blocks store (a shared one once) */
};
/* Blocks that fit in `bytes` (at least one), of type kv_type; -1 with err. */
int  llm_open_kv_pool(struct llm_kv_pool **out, struct llm_model *m, enum llm_kv_type kv_type, size_t bytes,
                      struct llm_err *err);
void llm_close_kv_pool(struct llm_kv_pool *p);   /* after its sessions; NULL is fine */
void llm_get_kv_pool_info(const struct llm_kv_pool *p, struct llm_kv_pool_info *out);
/* Bytes one block of m's takes with kv_type. */
size_t llm_kv_block_bytes(const struct llm_model *m, enum llm_kv_type kv_type);

struct llm_session_opts {
    struct llm_kv_pool *pool;     /* NULL: a private pool that holds the whole context;
                                     else the pool's (its type wins over kv_type) */
    uint32_t         n_ctx;       /* 0: the model's training context */
    uint32_t         n_batch;     /* most prompt tokens per forward pass; 0: min(n_ctx, 512) */
    enum llm_kv_type kv_type;
    bool             all_logits;  /* logits for every position: needed by perplexity */
};

struct llm_session_info {
    struct llm_session_opts opts;       /* with the defaults filled in */
    size_t                  mem_bytes;  /* the session's one allocation */
    size_t                  kv_bytes;   /* of which the KV cache (0 over a shared pool) */
    uint32_t                n_pos;      /* positions in its cache */
    uint32_t                n_blocks;   /* blocks its cache holds */
    uint32_t                n_shared;   /* of which another session holds too */
    size_t                  block_bytes;
};

/* What llm_open_session(m, o) would make and allocate, without allocating:
 * check memory before committing. Returns info->mem_bytes. */
size_t llm_plan_session(const struct llm_model *m, const struct llm_session_opts *o,
                        struct llm_session_info *info);
int    llm_open_session(struct llm_session **out, struct llm_model *m,
                        const struct llm_session_opts *o, struct llm_err *err);
void   llm_close_session(struct llm_session *s);   /* NULL is fine */
void   llm_get_session_info(const struct llm_session *s, struct llm_session_info *info);

/* ------------------------------------------------------------- generation */

struct llm_sampling {
    float    temp;            /* <= 0: greedy */
    int32_t  top_k;           /* <= 0: off */
    float    top_p;           /* >= 1: off */
    float    min_p;           /* <= 0: off */
    float    repeat_penalty;  /* 1: off */
    int32_t  repeat_last_n;   /* tokens the penalty looks back on (llama.cpp: 64) */
    uint64_t seed;
};
void llm_default_sampling(struct llm_sampling *p);   /* llama.cpp's defaults */

struct llm_request {
    const char         *prompt;
    size_t              prompt_len;
    int32_t             n_predict;    /* < 0: until EOG or a full context */
    bool                ignore_eos;   /* as llama.cpp: EOS gets logit -inf */
    bool                no_ctx_shift; /* stop at a full context instead of shifting it */
    bool                append;       /* continue the cached conversation (after the
                                         last reply's pending token) instead of clearing it */
    int32_t             n_keep;       /* llama-cli's --keep: prompt tokens a shift keeps
                                         besides the BOS; < 0 the whole prompt */
    bool                parse_special; /* a special token's text (<|im_start|>, <s>) in the
                                         prompt is that token, as llama-cli tokenizes its
                                         prompt and a rendered chat (llm infer, build/host/llm
                                         and chat turns set it) */
    struct llm_sampling sp;
};

struct llm_callbacks {
    void *ctx;
    /* after tokenizing, before prefill (ids include BOS) */
    void (*on_prompt)(void *ctx, const int32_t *ids, uint32_t n);
    /* the raw logits of step `step`, before sampling changes anything */
    void (*on_logits)(void *ctx, uint32_t step, const float *logits, uint32_t n_vocab);
    /* NULL, or the logits at every prompt position (pos indexes on_prompt's
     * ids): the prompt's batches then compute them all, and step 0 samples
     * from the last, as llama.cpp does with logits on for every position (its
     * last bits may differ from a run without them: one-row matmuls sum in
     * another order). Needs a session opened with all_logits (llm_generate
     * refuses otherwise). */
    void (*on_prompt_logits)(void *ctx, uint32_t pos, const float *logits, uint32_t n_vocab);
    /* each generated token and its own bytes (part of a character, maybe:
     * llm_utf8_stream); false stops (LLM_STOP_CANCELLED). NULL streams the
     * text via llm_write, whole characters at a time. */
    bool (*on_token)(void *ctx, int32_t id, const char *text, uint32_t len);
};

enum llm_stop {
    LLM_STOP_N_PREDICT,     /* "n_predict": produced the tokens asked for */
    LLM_STOP_EOG,           /* "eog": end-of-generation token */
    LLM_STOP_INTERRUPTED,   /* "interrupted": Ctrl-C (llm_interrupted) */
    LLM_STOP_CTX_FULL,      /* "ctx_full": no room for another position (or nothing to shift out) */
    LLM_STOP_NONFINITE,     /* "nonfinite": NaN/inf logits */
    LLM_STOP_CANCELLED,     /* "cancelled": on_token returned false */
};
const char *llm_stop_name(enum llm_stop s);

struct llm_stats {
    enum llm_stop stop;
    uint32_t      n_prompt, n_gen;
    uint64_t      prompt_ns, gen_ns;
    uint32_t      kv_used, kv_capacity;
    uint32_t      n_shifts;     /* context shifts made */
    uint32_t      n_shared;     /* prompt positions taken from another session's blocks */
    size_t        kv_bytes, arena_peak, arena_size;
};

/* Run one prompt from an empty context (over a shared pool, taking the
 * full blocks of a prefix another session computed for the same tokens:
 * st->n_shared) (with r->append, after the cached
 * conversation: only the prompt's tokens are processed). A full context is
 * shifted as llama-cli does (the first n_keep positions kept, half of the
 * rest dropped, the others' keys re-rotated) unless r->no_ctx_shift. Returns
 * 0 (st->stop says why it ended; a non-finite or full-context stop also
 * leaves its message in err) or -1 with err. A pool out of blocks stops with
 * "KV pool full: N blocks of M in use": during the prompt, the cache is left
 * as before it (empty for a new prompt); while generating, as it was before
 * the token that found no room (st->stop ctx_full). */
int  llm_generate(struct llm_session *s, const struct llm_request *r, const struct llm_callbacks *cb,
                  struct llm_stats *st, struct llm_err *err);

/* Several sessions of one model at once (r, cb and st are arrays of n; cb
 * NULL: every session streams through llm_write): each prompt is processed
 * alone, then each forward pass decodes the next token of every session
 * still going, so the weights are read once per step for all of them. A
 * session's tokens, logits and stats are bit for bit those llm_generate
 * gives it alone (the matmuls sum each session's row in the order of one
 * token). Returns 0, or -1 with err (some sessions may have finished). */
#define LLM_MAX_PARALLEL 16
int  llm_generate_parallel(struct llm_session *const *s, uint32_t n, const struct llm_request *r,
                           const struct llm_callbacks *cb, struct llm_stats *st, struct llm_err *err);

/* ------------------------------------------------------------- chat */

/* A conversation over a session, as llama-cli's conversation mode runs it:
 * each user message becomes the text it adds to the chat template's
 * rendering, and only that is processed (the KV cache keeps the rest between
 * turns). The system message is the context shift's n_keep. */
struct llm_chat;

/* template_name: "chatml", "llama3", "mistral-v7", ...; NULL: the file's
 * tokenizer.chat_template, chatml when it has none. system: NULL or "" for
 * none. -1 with err for a template not rendered here or out of memory. The
 * chat keeps its conversation in s's KV cache until llm_chat_close: after an
 * llm_generate on s, llm_chat_reset before the next turn. */
int  llm_chat_open(struct llm_chat **out, struct llm_session *s, const char *template_name,
                   const char *system, struct llm_err *err);
void llm_chat_close(struct llm_chat *c);   /* NULL is fine */
const char *llm_chat_template_name(const struct llm_chat *c);
/* Forget the conversation; the system message stays. */
void llm_chat_reset(struct llm_chat *c);
/* One user turn; the reply streams through cb->on_token (the only callback a
 * turn uses; cb NULL: llm_write) as in
 * llm_generate. r gives n_predict, ignore_eos, no_ctx_shift and the sampling
 * (its prompt, append and n_keep are the chat's); st->n_prompt counts the
 * turn's new tokens only. A failed turn resets the conversation. */
int  llm_chat_turn(struct llm_chat *c, const char *user, const struct llm_request *r,
                   const struct llm_callbacks *cb, struct llm_stats *st, struct llm_err *err);

/* llama.cpp's perplexity over a text: chunks of n_ctx tokens, each from an
 * empty cache with BOS first, the second half of each scored. Needs a session
 * opened with all_logits. */
struct llm_perplexity {
    double   ppl;         /* exp(mean NLL) */
    uint32_t n_scored;    /* predictions scored */
    uint32_t n_ctx;       /* tokens per chunk */
    uint64_t ns;          /* time taken */
};
int  llm_compute_perplexity(struct llm_session *s, const char *text, size_t len,
                            struct llm_perplexity *out, struct llm_err *err);

/* ------------------------------------------------------------- bench */

/* llama-bench's tests: pp<p> (p pseudo-random tokens in batches) and tg<n>
 * (n tokens one at a time), each from an empty cache after a warm-up, reps
 * times, for each thread count; a table through llm_write (llm/bench.h).
 * With -npl N[,N...] (llama-batched-bench's name) tg runs once per N, with
 * N sessions decoding together (one forward pass per step for all of them). */
#define LLM_BENCH_MAX_REPS    100
#define LLM_BENCH_MAX_THREADS 4
#define LLM_BENCH_MAX_NPL     8

struct llm_bench_opts {
    uint32_t    n_prompt, n_gen, reps;              /* -p, -n, -r; a test with 0 tokens is skipped */
    int         threads[LLM_BENCH_MAX_THREADS];     /* -t 1,2: llm_set_threads values */
    int         n_threads;
    int         npl[LLM_BENCH_MAX_NPL];             /* -npl 1,2,4,8: sessions decoding together */
    int         n_npl;                              /* 0: tg on the one session */
    bool        icount;       /* the clock counts instructions: show insn/tok */
    const char *model;        /* its name in the table */
};

/* Defaults (-p 64 -n 64 -r 3 -t <llm_cpu_count()>), then argv[first..]:
 * -p N -n N -r N -t N[,N...] -npl N[,N...] (1..LLM_MAX_PARALLEL). Thread
 * counts are checked by the caller. */
int  llm_parse_bench_args(int argc, char **argv, int first, struct llm_bench_opts *o,
                          struct llm_err *err);
/* Leaves the thread count at the last one benchmarked. */
int  llm_run_bench(struct llm_session *s, const struct llm_bench_opts *o, struct llm_err *err);

/* ------------------------------------------------------------- the cpu */

/* Scalar kernels only: same results, slower. Call it before opening models:
 * one repacked in place has its Q4_0 weights only in the NEON layout. */
void        llm_force_scalar(bool on);
const char *llm_cpu_ops_name(void);      /* the compute kernels in use ("scalar", "neon+dotprod", ...) */

/* ------------------------------------------------------------- command lines */

/* What the host CLI and the kernel's `llm infer` share: the generation and
 * sampler flags with llama.cpp's names, and lines that print floats (the
 * kernel side is built without FP registers). */
struct llm_gen_opts {
    int32_t             n_predict;   /* -n: < 0 until EOG or a full context */
    uint32_t            n_ctx;       /* -c: 0 = the model's */
    uint32_t            n_batch;     /* -b: 0 = min(ctx, 512) */
    enum llm_kv_type    kv_type;     /* --kv-type f16|f32 */
    bool                ignore_eos;  /* --ignore-eos: EOS never chosen */
    bool                no_ctx_shift; /* --no-context-shift: stop at a full context */
    int32_t             n_keep;      /* --keep N: prompt tokens a shift keeps besides BOS */
    struct llm_sampling sp;          /* --temp --top-k --top-p --min-p --repeat-penalty
                                        --repeat-last-n --seed */
};
/* llama.cpp's sampler defaults, F16 KV cache, the model's context. */
void llm_default_gen_opts(struct llm_gen_opts *o, int32_t n_predict);
/* If argv[*i] is one of the flags above, take it and its value (advancing *i
 * past them) and return 1; return 0 when it is not one of them; -1 with err
 * when its value is missing or bad. */
int  llm_parse_gen_flag(int argc, char **argv, int *i, struct llm_gen_opts *o, struct llm_err *err);

/* "prompt 5 tok 12.3 ms (406.5 tok/s) | gen 64 tok 210.0 ms (304.8 tok/s) |
 * kv 69/512 | arena peak 312 KiB", then " | ctx shifts N" if any (one line,
 * no newline), and " | shared prefix N" for positions taken from another
 * session. */
int  llm_format_stats(const struct llm_stats *st, char *buf, size_t cap);
/* "ppl 4.8894 over 693 predictions, ctx 128, 1.2 s" (no newline). */
int  llm_format_perplexity(const struct llm_perplexity *p, char *buf, size_t cap);

#endif
