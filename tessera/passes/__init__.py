"""IR -> IR passes: specialization, typing, uniformity, launch inference."""
