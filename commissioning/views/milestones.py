"""milestones pages."""

urlpatterns: list = []
