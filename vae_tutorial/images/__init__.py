"""Images (notebook 03): the embedded digits and your folders of images, the image VAE, the plain
autoencoder and the digit classifier that judges samples, training, figures and anomaly detection.

``from vae_tutorial import images`` then ``images.ImageVAE(...)``: each name loads its module on first use,
so reading a folder of images never loads TensorFlow.
"""

from vae_tutorial._faces import face

__getattr__, __dir__, __all__ = face(
    globals(),
    {
        "data": ("load_digits", "stratified_split", "load_image_folder", "split_images", "validate_images"),
        "recipes": ("ImageRecipe", "IMAGE_RECIPES", "ClassifierRecipe"),
        "vae": ("ImageVAE", "IMAGE_SHAPE", "bernoulli_nll", "binarized"),
        "autoencoder": ("Autoencoder",),
        "classifier": ("DigitClassifier", "sample_verdicts"),
        "kinds": ("IMAGE_VAE", "AUTOENCODER", "CLASSIFIER"),
        "plots": (
            "plot_image_grid",
            "plot_latent_scatter",
            "manifold_codes",
            "traversal_codes",
            "plot_manifold",
            "latent_explorer",
            "plot_interpolation",
        ),
        "anomaly": ("anomaly_scores", "roc_auc", "plot_score_histogram"),
    },
)
