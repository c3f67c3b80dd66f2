"""What happens inside one call: turn-taking, recognition, the reply spoken as it is written."""
