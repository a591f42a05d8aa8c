"""cycles pages."""

urlpatterns: list = []
