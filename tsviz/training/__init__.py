"""Training: one loop (:func:`fit`) and named recipes."""
from tsviz.training.errors import TrainingError
from tsviz.training.fit import MAX_BATCH_SIZE, MAX_EPOCHS, FitResult, fit
from tsviz.training.recipes import RECIPES, Recipe, Standard, get_recipe, register_recipe
from tsviz.training import noise_recipes  # noqa: F401,E402  (registers gaussian, masked_gaussian)
from tsviz.training import backdoor  # noqa: F401,E402  (registers backdoor)
from tsviz.training import nsr_losses  # noqa: F401,E402  (registers mse, mse_margin, nsr_loss1, nsr_loss2, jacobian)
from tsviz.training import adversarial_training  # noqa: F401,E402  (registers pgd_at, wpgd_at)
from tsviz.training import augmented_training  # noqa: F401,E402  (registers augmented)

__all__ = ["TrainingError", "fit", "FitResult", "MAX_EPOCHS", "MAX_BATCH_SIZE", "RECIPES", "Recipe", "Standard",
           "get_recipe", "register_recipe"]
