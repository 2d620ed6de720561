"""End-to-end tests: the real `dagster dev` (webserver + daemon) on a temporary instance, driven
through the GraphQL API and rendered in a headless browser."""
