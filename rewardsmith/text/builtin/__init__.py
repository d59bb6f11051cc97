"""The built-in text tasks; each module's ``make_task(seed, train_size, held_out_size)`` generates its data."""
