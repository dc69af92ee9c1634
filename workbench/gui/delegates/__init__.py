"""Item delegates that paint cells."""
