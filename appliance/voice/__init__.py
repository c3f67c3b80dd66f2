"""The call loop, over any transport: turn-taking, recognition, the reply spoken sentence by
sentence, barge-in, hand-over, and the call log. It imports nothing of SIP."""
