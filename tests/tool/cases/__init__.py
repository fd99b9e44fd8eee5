"""The tool tests by behaviour: each module's CASES are functions (env, results) that run
programs through fixtures.memattr and record their checks in results."""
