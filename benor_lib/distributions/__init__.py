"""Round distributions: the vectorised sampler, the exact chain, comparisons."""
