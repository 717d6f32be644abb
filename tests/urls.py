from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("account/", include("django_2co_sso.urls")),
    path("2checkout/", include("django_2co_sso.webhooks.urls")),
]
