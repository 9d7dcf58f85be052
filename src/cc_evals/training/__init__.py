"""Training-side data: audit a fine-tuning file, distil a prompt, export training rows."""
