from django.urls import include, path

urlpatterns = [path("account/", include("django_2co_sso.urls"))]
