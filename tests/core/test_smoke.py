from core.testing import login


def test_login_and_dashboard(client, make_user):
    make_user("wang", role="office")
    assert client.get("/").status_code == 302
    response = login(client, "wang")
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert "林长办" in page.get_data(as_text=True)
