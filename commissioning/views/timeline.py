"""timeline pages."""

urlpatterns: list = []
