<?php
// PHP's SoapClient (what the vendor's samples use) against the emulator, in WSDL mode,
// overriding the location as the vendor's samples do. Prints one "name value" line per call.
$base = $argv[1];
$client = new SoapClient($base . '/soap/6.0/?wsdl', [
    'location' => $base . '/soap/6.0/',
    'cache_wsdl' => WSDL_CACHE_NONE,
]);
$code = 'EMULATOR';
$date = gmdate('Y-m-d H:i:s');
$hash = hash_hmac('sha256', strlen($code) . $code . strlen($date) . $date, 'emulator-secret-key');
$sessionID = $client->login($code, $date, $hash, 'sha256');
echo "login ", strlen($sessionID), "\n";
echo "getSingleSignOn ", $client->getSingleSignOn(
    $sessionID, '4E2A1B9C70', 'ada@example.com', 50, 'my_license', null), "\n";
echo "getSingleSignOnByCustomer ", $client->getSingleSignOnByCustomer(
    $sessionID, '352365983', '2CheckoutCustomerReference', 'my_license', null, 50, null, 'en'), "\n";
$cart = $client->getSingleSignOnInCart(
    $sessionID, 'shop-customer-1', 'ExternalCustomerReference',
    $base . '/order/checkout.php?PRODS=1', 50, '');
echo "getSingleSignOnInCart ", $cart, "\n";
$customer = $client->getCustomerInformationBySSOToken($sessionID, substr($cart, -40));
echo "getCustomerInformationBySSOToken ", json_encode($customer), "\n";
echo "setPartner ", json_encode($client->setPartner($sessionID, 'ACMEDIST')), "\n";
echo "getPartnerSingleSignOn ", $client->getPartnerSingleSignOn(
    $sessionID, 'alice@acme-partner.example', 'ACMEDIST', 'https://p.example/cpanel/', 10, ''), "\n";
try {
    $client->login($code, $date, 'bad', 'sha256');
} catch (SoapFault $e) {
    echo "fault ", $e->faultcode, "\n";
}
