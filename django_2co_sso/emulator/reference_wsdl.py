"""A WSDL with every operation of the API 6.0 reference: the SSO ones real, the rest stubs.

The real ``https://api.2checkout.com/soap/6.0/?wsdl`` describes the whole API (products,
orders, subscriptions, customers, promotions, partners, ...), and a client that loads it
downloads and parses all of it, not only the SSO operations. This module takes the
emulator's own WSDL (the SSO operations and ``login``, which the emulator answers) and adds
the other operations of the API 6.0 reference by name, each with a request of ``sessionID``
plus typed parts and a response of one of the reference's object types (each a sequence of
plausible fields). The stubs are only described: calling one gets the emulator's
"unknown method" fault.

The real document is not available offline, so its exact size is unconfirmed; this one has
about the reference's operation count (:data:`OPERATIONS`, about 200) and object types with
roughly the field counts of the reference pages (:data:`TYPES`): about 0.3 MB.
"""

from __future__ import annotations

from typing import Final

#: Object types of the API 6.0 reference and how many fields each documents (approximately).
TYPES: Final[dict[str, int]] = {
    "Product": 48,
    "ProductGroup": 12,
    "PricingConfiguration": 22,
    "PriceOption": 18,
    "PriceOptionGroup": 16,
    "Price": 10,
    "Promotion": 34,
    "PromotionTranslation": 8,
    "Coupon": 10,
    "Order": 72,
    "OrderItem": 40,
    "BillingDetails": 22,
    "DeliveryDetails": 22,
    "PaymentDetails": 24,
    "PaymentMethod": 20,
    "Subscription": 52,
    "SubscriptionHistory": 18,
    "SubscriptionPayment": 20,
    "RenewalPrice": 14,
    "Customer": 30,
    "CustomerSearchOptions": 16,
    "Lead": 40,
    "Partner": 36,
    "PartnerInvoice": 24,
    "PartnerMargin": 12,
    "Proposal": 44,
    "Quote": 30,
    "AdditionalField": 14,
    "CrossSellCampaign": 20,
    "UpSellCampaign": 22,
    "Affiliate": 26,
    "Shipping": 16,
    "TaxCategory": 10,
    "UsageRecord": 14,
    "Dispute": 20,
    "Refund": 18,
    "Invoice": 22,
    "Translation": 12,
    "SearchOptions": 24,
    "Pagination": 6,
}

#: Operations of the API 6.0 reference (besides those the emulator answers), and the object
#: type each one returns.
OPERATIONS: Final[dict[str, str]] = {
    **{
        name: "Product"
        for name in (
            "addProduct",
            "updateProduct",
            "getProductByCode",
            "getProductById",
            "searchProducts",
            "getProducts",
            "enableProduct",
            "disableProduct",
            "deleteProduct",
            "getProductInfo",
            "getSchema",
            "getSku",
            "getSkuDetails",
            "setProductTranslations",
            "getProductTranslations",
            "setProductPricing",
            "getProductPricing",
            "addProductFile",
            "getProductFiles",
            "deleteProductFile",
        )
    },
    **{
        name: "ProductGroup"
        for name in (
            "addProductGroup",
            "updateProductGroup",
            "getProductGroup",
            "getProductGroups",
            "deleteProductGroup",
        )
    },
    **{
        name: "PricingConfiguration"
        for name in (
            "addPricingConfiguration",
            "updatePricingConfiguration",
            "getPricingConfigurations",
            "getPricingConfiguration",
            "getPrice",
            "getPrices",
        )
    },
    **{
        name: "PriceOptionGroup"
        for name in (
            "addPriceOptionGroup",
            "updatePriceOptionGroup",
            "getPriceOptionGroup",
            "searchPriceOptionGroups",
            "assignPriceOptionGroup",
        )
    },
    **{
        name: "Promotion"
        for name in (
            "addPromotion",
            "updatePromotion",
            "getPromotion",
            "searchPromotions",
            "enablePromotion",
            "disablePromotion",
            "addPromotionProducts",
            "getPromotionProducts",
            "deletePromotionProducts",
            "addPromotionSources",
            "getPromotionSources",
            "deletePromotionSources",
            "addPromotionTranslations",
            "getPromotionTranslations",
            "deletePromotionTranslations",
            "addPromotionCoupon",
            "getPromotionCoupons",
            "deletePromotionCoupon",
            "addPromotionPriceThreshold",
            "getPromotionPriceThreshold",
            "deletePromotionPriceThreshold",
        )
    },
    **{
        name: "Order"
        for name in (
            "placeOrder",
            "getOrder",
            "searchOrders",
            "getContents",
            "getOrderStatus",
            "getPaymentStatus",
            "cancelOrder",
            "reverseOrder",
            "addOrderComment",
            "getOrderComments",
            "getOrderFields",
            "setOrderFields",
            "issueRefund",
            "getRefundInformation",
            "getOrderInvoice",
            "sendOrderConfirmation",
            "getShippingPrice",
            "getShippingMethods",
            "getOrderDisputes",
            "getOrderCustomerInformation",
            "updateOrderBillingDetails",
            "updateOrderDeliveryDetails",
            "validateOrder",
            "getOrderKey",
            "getTrialOrderPrice",
        )
    },
    **{
        name: "Subscription"
        for name in (
            "getSubscription",
            "getSubscriptions",
            "searchSubscriptions",
            "updateSubscription",
            "addSubscription",
            "enableSubscription",
            "disableSubscription",
            "cancelSubscription",
            "enableRecurringBilling",
            "disableRecurringBilling",
            "getRenewalDetails",
            "getRenewalPrice",
            "setRenewalPrice",
            "renewSubscription",
            "setSubscriptionPaymentInformation",
            "getSubscriptionPaymentInformation",
            "getSubscriptionHistory",
            "getSubscriptionUpgrade",
            "getProductUpgradeOptions",
            "getProductUpgradeOptionsPrice",
            "upgradeSubscription",
            "setSubscriptionUpgrade",
            "extendSubscription",
            "setSubscriptionEndDate",
            "getSubscriptionPayments",
            "convertTrial",
            "getTrialConversionPrice",
            "setSubscriptionPriceOptions",
            "getSubscriptionPriceOptions",
            "addSubscriptionUsage",
            "getSubscriptionUsages",
            "deleteSubscriptionUsage",
            "pauseSubscription",
            "resumeSubscription",
            "getNextRenewalPrice",
            "setCustomRenewalPrice",
            "getCustomRenewalPrice",
            "changeSubscriptionCustomer",
            "getDeliveredCodes",
            "regenerateCodes",
        )
    },
    **{
        name: "Customer"
        for name in (
            "createCustomer",
            "updateCustomer",
            "getCustomerInformation",
            "getCustomerSubscriptions",
            "getCustomerOrders",
            "searchCustomers",
            "enableCustomer",
            "disableCustomer",
            "setCustomerPaymentMethod",
            "getCustomerPaymentMethods",
            "deleteCustomerPaymentMethod",
            "moveCustomerSubscriptions",
            "getCustomerByEmail",
            "setCustomerExternalReference",
        )
    },
    **{name: "Lead" for name in ("addLead", "getLead", "searchLeads", "updateLead", "deleteLead")},
    **{
        name: "Partner"
        for name in (
            "getPartner",
            "getPartners",
            "searchPartners",
            "getPartnerByCode",
            "getPartnerInvoice",
            "getPartnerInvoices",
            "payPartnerInvoice",
            "getPartnerMargins",
            "getPartnerDiscounts",
            "getPartnerContacts",
            "getPartnerPricingLists",
            "getPartnerPricingList",
            "placePartnerOrder",
            "getPartnerOrder",
            "getPartnerSubscriptions",
            "setPartnerResellers",
            "getPartnerResellers",
        )
    },
    **{
        name: "Proposal"
        for name in (
            "createProposal",
            "updateProposal",
            "getProposal",
            "searchProposals",
            "sendProposal",
            "acceptProposal",
            "declineProposal",
            "getQuote",
            "getQuotePdf",
        )
    },
    **{
        name: "AdditionalField"
        for name in (
            "addAdditionalField",
            "updateAdditionalField",
            "getAdditionalField",
            "getAdditionalFields",
            "deleteAdditionalField",
        )
    },
    **{
        name: "CrossSellCampaign"
        for name in (
            "addCrossSellCampaign",
            "updateCrossSellCampaign",
            "getCrossSellCampaign",
            "searchCrossSellCampaigns",
            "getCrossSellTexts",
            "setCrossSellTexts",
        )
    },
    **{
        name: "UpSellCampaign"
        for name in (
            "addUpSellCampaign",
            "updateUpSellCampaign",
            "getUpSellCampaign",
            "searchUpSellCampaigns",
            "enableUpSellCampaign",
            "disableUpSellCampaign",
        )
    },
    **{
        name: "Affiliate"
        for name in ("getAffiliate", "searchAffiliates", "updateAffiliateStatus", "getCommissions")
    },
    **{
        name: "Dispute"
        for name in ("getDisputes", "getDispute", "acceptDispute", "challengeDispute")
    },
    **{
        name: "Translation"
        for name in ("getTranslations", "setTranslations", "getLanguages", "getCountries")
    },
    **{name: "TaxCategory" for name in ("getTaxCategories", "getTaxRates", "getVatNumberInfo")},
    **{name: "Shipping" for name in ("getShippingFees", "getShippingFee", "setShippingFees")},
    **{name: "Invoice" for name in ("getInvoice", "searchInvoices", "sendInvoice")},
}

_XSD_TYPES: Final = (
    "xsd:string",
    "xsd:string",
    "xsd:string",
    "xsd:int",
    "xsd:boolean",
    "xsd:float",
)
_ENCODING: Final = 'use="encoded" namespace="urn:order" ' + (
    'encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"'
)


def _field_name(type_name: str, index: int) -> str:
    stems = ("Code", "Name", "Status", "Date", "Reference", "Amount", "Currency", "Enabled")
    return f"{stems[index % len(stems)]}{type_name}{index}"


def _types(template: str) -> str:
    out = []
    for name, fields in TYPES.items():
        if f'<xsd:complexType name="{name}"' not in template:
            out.append(f'      <xsd:complexType name="{name}">\n        <xsd:sequence>\n')
            for index in range(fields):
                kind = _XSD_TYPES[index % len(_XSD_TYPES)]
                out.append(
                    f'          <xsd:element name="{_field_name(name, index)}" type="{kind}" '
                    'minOccurs="0" nillable="true"/>\n'
                )
            out.append("        </xsd:sequence>\n      </xsd:complexType>\n")
        if f'<xsd:complexType name="ArrayOf{name}"' in template:
            continue
        out.append(
            f'      <xsd:complexType name="ArrayOf{name}">\n        <xsd:sequence>\n'
            f'          <xsd:element name="item" type="tns:{name}" minOccurs="0" '
            'maxOccurs="unbounded"/>\n        </xsd:sequence>\n      </xsd:complexType>\n'
        )
    return "".join(out)


def _parts(operation: str, returns: str) -> list[tuple[str, str]]:
    parts = [("sessionID", "xsd:string")]
    if operation.startswith(("add", "update", "create", "place", "set")):
        parts.append((returns, f"tns:{returns}"))
    elif operation.startswith(("search", "get")) and operation.endswith("s"):
        parts += [("SearchOptions", "tns:SearchOptions"), ("Pagination", "tns:Pagination")]
    else:
        parts.append((f"{returns}Code", "xsd:string"))
    return parts


def _returns(operation: str, returns: str) -> str:
    if operation.startswith(("search", "get")) and operation.endswith("s"):
        return f"tns:ArrayOf{returns}"
    if operation.startswith(("enable", "disable", "delete", "cancel", "set", "pause", "resume")):
        return "xsd:boolean"
    return f"tns:{returns}"


def _messages(operations: dict[str, str]) -> str:
    out = []
    for operation, returns in operations.items():
        out.append(f'  <message name="{operation}Request">\n')
        for part, kind in _parts(operation, returns):
            out.append(f'    <part name="{part}" type="{kind}"/>\n')
        out.append(
            f'  </message>\n  <message name="{operation}Response">\n'
            f'    <part name="return" type="{_returns(operation, returns)}"/>\n  </message>\n'
        )
    return "".join(out)


def _port_operations(operations: dict[str, str]) -> str:
    out = []
    for operation, returns in operations.items():
        order = " ".join(part for part, _kind in _parts(operation, returns))
        out.append(
            f'    <operation name="{operation}" parameterOrder="{order}">\n'
            f"      <documentation>{operation}: see the API 6.0 reference (described only; "
            "the emulator answers it with a fault).</documentation>\n"
            f'      <input message="tns:{operation}Request"/>\n'
            f'      <output message="tns:{operation}Response"/>\n    </operation>\n'
        )
    return "".join(out)


def _binding_operations(operations: dict[str, str]) -> str:
    return "".join(
        f'    <operation name="{operation}">\n'
        f'      <soap:operation soapAction="urn:order#{operation}" style="rpc"/>\n'
        f"      <input><soap:body {_ENCODING}/></input>\n"
        f"      <output><soap:body {_ENCODING}/></output>\n    </operation>\n"
        for operation in operations
    )


def _insert_before(text: str, marker: str, addition: str) -> str:
    at = text.index(marker)
    return text[:at] + addition + text[at:]


def expand(template: str) -> str:
    """The emulator's WSDL ``template`` with the reference's other operations added.

    Operations and types the template already describes (those the emulator answers) are
    kept as they are.
    """
    operations = {
        name: returns
        for name, returns in OPERATIONS.items()
        if f'<operation name="{name}"' not in template
    }
    text = _insert_before(template, "    </xsd:schema>", _types(template))
    text = _insert_before(text, "  <portType ", _messages(operations))
    text = _insert_before(text, "  </portType>", _port_operations(operations))
    return _insert_before(text, "  </binding>", _binding_operations(operations))
