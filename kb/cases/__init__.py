"""Peer case studies: what a team changed, how, and the measured result."""
