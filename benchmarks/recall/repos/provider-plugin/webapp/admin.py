"""The provider's dashboard (Django)."""

from django.contrib import admin

from webapp.models import Deployment, GatewayModel


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ("name", "model", "replicas")


admin.site.register(GatewayModel)
