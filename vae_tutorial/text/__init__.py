"""Text (notebooks 04-06): sentences, tokens and subwords, the corpus and your blog posts, the sentence
VAE and its relatives, decoding and generating, the measures of generated text, the shipped pretrained
model, word embeddings, topic constraints and steering, blind readings.

``from vae_tutorial import text`` then ``text.Vectorizer(...)``: each name loads its module on first use,
so reading posts never loads TensorFlow.
"""

from vae_tutorial._faces import face

__getattr__, __dir__, __all__ = face(
    globals(),
    {
        "tokens": ("split_sentences", "tokenize", "keyword_tokens", "clean_text", "Vectorizer", "SPECIALS"),
        "subwords": ("SubwordTokenizer", "corpus_ids"),
        "corpus": ("lee_articles", "load_sample_sentences", "load_general_sentences"),
        "posts": ("Post", "Posts", "load_blog_folder", "write_sample_blog_folder", "write_sample_blog_csv"),
        "csv_posts": ("load_blog_csv",),
        "windows": ("chunk_post", "chunk_posts", "split_posts"),
        "recipes": ("TextRecipe", "BlogRecipe", "PretrainRecipe", "TEXT_RECIPES", "BLOG_RECIPE", "FINE_TUNE_RECIPE"),
        "layers": ("shift_right",),
        "vae": ("TextVAE",),
        "conditional": ("ConditionalTextVAE",),
        "language_model": ("LanguageModel",),
        "train": ("train_text_vae", "train_language_model", "train_conditional_vae", "train_with_latent_penalty"),
        "decoding": ("Decoding", "CLOSENESS"),
        "decoder": ("decode",),
        "generate": ("variations", "interpolate", "sample"),
        "measures": (
            "text_report",
            "perplexity",
            "words",
            "bleu4",
            "token_match",
            "distinct_n",
            "source_retrieval",
            "copies",
            "repeated_ngram_share",
            "unk_share",
            "variation_novelty",
        ),
        "topics": ("topic_adherence", "independent_topic_judge"),
        "embeddings": (
            "train_word2vec",
            "judge_vectors",
            "save_vectors",
            "topic_vector",
            "text_vector",
            "nearest_words",
            "cosine",
            "embedding_agreement",
        ),
        "constraints": ("chunk_conditions", "topic_targets", "codes_around"),
        "steering": ("topic_code",),
        "blind_reading": ("write_items", "score"),
        "blog": ("BlogVAE", "load_pretrained"),
        "card": ("read_blind_reading",),
        "kinds": ("BLOG_VAE", "SENTENCE_VAE"),
    },
)
