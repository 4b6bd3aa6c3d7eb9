"""Finding the shop a command or request is about."""

from __future__ import annotations

from ordercenter.domain.errors import InvalidInput, NotFound
from ordercenter.domain.shops import Shop, normalize_shop_domain
from ordercenter.services.uow import UnitOfWork


def resolve_shop(uow: UnitOfWork, domain: str | None) -> Shop:
    """The shop with this domain; without a domain, the only shop there is."""
    with uow:
        if domain:
            shop = uow.shops.by_domain(normalize_shop_domain(domain))
            if shop is None:
                raise NotFound(f"no shop '{domain}' is connected", field="shop")
            return shop
        shops = uow.shops.all()
        if not shops:
            raise NotFound("no shop is connected yet; add one with 'ordercenter shops add'", field="shop")
        if len(shops) > 1:
            names = ", ".join(s.domain for s in shops)
            raise InvalidInput(f"several shops are connected ({names}); choose one with --shop", field="shop")
        return shops[0]
