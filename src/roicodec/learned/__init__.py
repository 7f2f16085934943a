"""The learned codec: CompressAI's hyperprior models, steered by the quality plan.

How a plan steers a model trained for one rate (no retraining): before quantisation the latent is
multiplied by a gain that follows the plan, one gain per latent position (16x16 pixels), and the
entropy model's scales (and means) are multiplied by the same gain; the decoder divides the decoded
latent by it. A gain above 1 quantises more finely (more bits, less error), below 1 more coarsely.
The gains travel in the file, so any decoder with the same weights reads it.

Data flow: gain.py (plan -> gain levels, numpy) -> coder.py (the model's transforms, the entropy
coder; torch) -> container.py (the file: header, levels, strings; no torch). models.py names the
architectures and loads weights (CompressAI's zoo, or a file); training.py trains a small model.
Only codecs/learned.py, the registered codec, is imported with roicodec; torch loads on first use.
"""
