"""Keep derived milestones in step with every save of a contract or an option, from any screen."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from contracts.models import Contract, ExtensionOption

from .derivation import milestones_sync_for_contract


@receiver(post_save, sender=Contract, dispatch_uid="commissioning.contract_saved")
def contract_saved(sender, instance, raw=False, **kwargs):
    if not raw:  # fixtures load rows as they are
        milestones_sync_for_contract(contract=instance)


@receiver(post_save, sender=ExtensionOption, dispatch_uid="commissioning.option_saved")
@receiver(post_delete, sender=ExtensionOption, dispatch_uid="commissioning.option_deleted")
def option_changed(sender, instance, raw=False, origin=None, **kwargs):
    if raw:
        return
    if isinstance(origin, Contract) or getattr(origin, "model", None) is Contract:
        return  # the contract itself is being deleted, milestones and all
    contract = Contract.objects.filter(pk=instance.contract_id).first()
    if contract is not None:
        milestones_sync_for_contract(contract=contract)
