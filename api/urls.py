"""The read-only JSON API and its OpenAPI schema."""

app_name = "api"

urlpatterns: list = []
