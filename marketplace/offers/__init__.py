"""The offer catalogue: offers (tilbud), their content, capacity and yearly price lists."""
