from ordercenter.adapters.aliexpress.signing import sign, string_to_sign, without_empty


def test_system_api_signature_matches_the_published_token_create_vector() -> None:
    params = {"app_key": "12345678", "code": "3_500102_JxZ05Ux3cnnSSUm6dCxYg6Q26", "sign_method": "sha256",
              "timestamp": "1517820392000"}

    assert string_to_sign(params, "/auth/token/create") == (
        "/auth/token/createapp_key12345678code3_500102_JxZ05Ux3cnnSSUm6dCxYg6Q26sign_methodsha256"
        "timestamp1517820392000")
    assert sign(params, "helloworld", "/auth/token/create") == (
        "35607762342831B6A417A0DED84B79C05FEFBF116969C48AD6DC00279A9F4D81")


def test_business_api_signature_matches_the_published_vector_without_a_path_prefix() -> None:
    params = {"access_token": "test", "aliexpress_category_id": "200135143", "app_key": "123456",
              "method": "aliexpress.logistics.redefining.getonlinelogisticsinfo", "sign_method": "sha256",
              "timestamp": "1517820392000"}

    assert sign(params, "helloworld") == "F7F7926B67316C9D1E8E15F7E66940ED3059B1638C497D77973F30046EFB5BBB"


def test_the_sign_parameter_itself_is_never_signed() -> None:
    params = {"app_key": "123456", "timestamp": "1517820392000"}

    assert sign({**params, "sign": "OLD"}, "helloworld") == sign(params, "helloworld")


def test_empty_parameters_are_dropped_before_signing() -> None:
    assert without_empty({"a": "1", "b": "", "c": None}) == {"a": "1"}
