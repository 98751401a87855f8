"""Assessment (考评, yuxi): indicators per department, self-check, evaluation, ranking."""
