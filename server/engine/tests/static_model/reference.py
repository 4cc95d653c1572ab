"""Reference output for the engine's `static_model` test.

Reads a JSON list of texts on stdin and writes one JSON object to stdout:
  model_dir   the directory of the model the package ships (static_model/model)
  embeddings  static_model.get_embeddings(texts): the package's own encoder
  tokens      the token ids Hugging Face's tokenizers library gives each text without special
              tokens, as Model2Vec tokenizes; null when that library is not installed
Exits 3 with a message on stderr when the package itself cannot be imported.
"""

import json
import os
import sys

try:
    import static_model
except ImportError as error:
    print(f"tokenlearn-static-model is not installed: {error}", file=sys.stderr)
    sys.exit(3)

texts = json.load(sys.stdin)
model_dir = os.path.join(os.path.dirname(os.path.abspath(static_model.__file__)), "model")
embeddings = static_model.get_embeddings(texts)

try:
    from tokenizers import Tokenizer
except ImportError:
    tokens = None
else:
    tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tokens = [tokenizer.encode(text, add_special_tokens=False).ids for text in texts]

json.dump({"model_dir": model_dir, "embeddings": embeddings, "tokens": tokens}, sys.stdout)
