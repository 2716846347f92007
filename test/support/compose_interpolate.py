# Reads a compose file the way Compose does before it uses any value: YAML, then Compose's own variable
# interpolation ($VAR, ${VAR:-default}, $$ as a literal $) with the .env file beside it. Prints the result
# as JSON. Uses the interpolation code of Debian's docker-compose package (compose.config.interpolation):
# its `docker-compose config` refuses newer keys of the Compose specification (top-level `name`,
# `configs.<x>.content`), whose values are nevertheless interpolated by the same rules.
import json
import os
import sys

import yaml
from compose.config.environment import Environment
from compose.config.interpolation import interpolate_environment_variables
from compose.const import COMPOSE_SPEC

path = sys.argv[1]
with open(path) as f:
    doc = yaml.safe_load(f)
env = Environment.from_env_file(os.path.dirname(os.path.abspath(path)))
out = {k: v for k, v in doc.items() if k not in ('services', 'volumes', 'networks', 'configs', 'secrets')}
for section in ('services', 'volumes', 'networks', 'configs', 'secrets'):
    if doc.get(section):
        out[section] = interpolate_environment_variables(COMPOSE_SPEC, doc[section], section, env)
json.dump(out, sys.stdout)
