"""Keep the Procurement Act duties in step with every save of a contract, an option or a cycle."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from commissioning.models import CommissioningCycle
from contracts.models import Contract, ExtensionOption

from . import services


@receiver(post_save, sender=Contract, dispatch_uid="notices.contract_saved")
def contract_saved(sender, instance, raw=False, **kwargs):
    if raw:  # fixtures load rows as they are
        return
    services.contract_link_notices(contract=instance)
    services.duties_sync_for_contract(contract=instance)


@receiver(post_save, sender=ExtensionOption, dispatch_uid="notices.option_saved")
@receiver(post_delete, sender=ExtensionOption, dispatch_uid="notices.option_deleted")
def option_changed(sender, instance, raw=False, origin=None, **kwargs):
    if raw:
        return
    if isinstance(origin, Contract) or getattr(origin, "model", None) is Contract:
        return  # the contract itself is being deleted, duties and all
    contract = Contract.objects.filter(pk=instance.contract_id).first()
    if contract is not None:
        services.duties_sync_for_contract(contract=contract)


@receiver(post_save, sender=CommissioningCycle, dispatch_uid="notices.cycle_saved")
def cycle_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        services.duties_sync_for_cycle(cycle=instance)
