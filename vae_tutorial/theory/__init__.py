"""The maths of a VAE (notebooks 01-02, and the measures every later notebook reports).

Gaussians, their log-densities and KL divergences in NumPy (``gaussian``); the ELBO checked exactly on a
linear-Gaussian model (``elbo``); the reparameterization trick and the ``Sampling`` layer (``sampling``);
the loss terms in nats (``losses``); held-out estimates of a trained VAE: negative ELBO, IWAE, KL per
dimension, active units, mutual information (``estimates``); and their figures (``plots``).

``from vae_tutorial import theory`` then ``theory.kl_mvn(...)``: each name loads its module on first use.
"""

from vae_tutorial._faces import face

__getattr__, __dir__, __all__ = face(
    globals(),
    {
        "gaussian": (
            "LOG_2PI",
            "normal_logpdf",
            "mvn_logpdf",
            "sample_mvn",
            "kl_mvn",
            "kl_diag_to_standard",
            "kl_monte_carlo",
        ),
        "elbo": ("LinearGaussian",),
        "sampling": (
            "Sampling",
            "reparameterize",
            "pathwise_gradients",
            "score_function_gradients",
            "estimator_variances",
        ),
        "losses": (
            "kl_diagonal",
            "mean_kl",
            "masked_token_nll",
            "free_bits_kl",
            "linear_schedule",
            "sigmoid_schedule",
            "cyclical_schedule",
        ),
        "estimates": (
            "elbo_terms",
            "negative_elbo",
            "importance_weighted_nll",
            "kl_per_dimension",
            "active_units",
            "mutual_information",
        ),
        "plots": (
            "plot_gaussian_contours",
            "plot_kl_sweep",
            "plot_gradient_variance",
            "plot_history",
            "plot_kl_per_dimension",
        ),
    },
)
