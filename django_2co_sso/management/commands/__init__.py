"""Django management commands of django_2co_sso."""
