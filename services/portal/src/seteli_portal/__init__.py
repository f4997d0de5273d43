"""Seteli web portal: server-rendered pages in Finnish and Swedish over the services' public APIs."""
