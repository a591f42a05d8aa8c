from django.urls import path

from . import views, views_organisations, views_search

app_name = "contracts"

urlpatterns = [
    path("", views.RegisterView.as_view(), name="register"),
    path("new/", views.ContractCreateView.as_view(), name="create"),
    path("search/providers/", views_search.ProviderSearchView.as_view(), name="search-providers"),
    path("search/teams/", views_search.TeamSearchView.as_view(), name="search-teams"),
    path("<int:pk>/", views.ContractDetailView.as_view(), name="detail"),
    path("<int:pk>/history/", views.ContractHistoryView.as_view(), name="history"),
    path("organisations/", views_organisations.OrganisationListView.as_view(), name="organisation-list"),
    path("organisations/new/", views_organisations.OrganisationCreateView.as_view(), name="organisation-create"),
    path("organisations/<int:pk>/", views_organisations.OrganisationDetailView.as_view(), name="organisation-detail"),
    path(
        "organisations/<int:pk>/edit/", views_organisations.OrganisationUpdateView.as_view(), name="organisation-edit"
    ),
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
