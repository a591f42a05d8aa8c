from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("", views.RegisterView.as_view(), name="register"),
    path("new/", views.ContractCreateView.as_view(), name="create"),
    path("<int:pk>/", views.ContractDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ContractUpdateView.as_view(), name="edit"),
    path("<int:pk>/options/new/", views.OptionCreateView.as_view(), name="option-create"),
    path(
        "<int:pk>/options/<int:option_pk>/exercise/",
        views.OptionDecisionView.as_view(action="exercise"),
        name="option-exercise",
    ),
    path(
        "<int:pk>/options/<int:option_pk>/decline/",
        views.OptionDecisionView.as_view(action="decline"),
        name="option-decline",
    ),
]
