"""Pages that run third-party code still work under the Content-Security-Policy (the
``page`` fixture fails a test on any blocked script or style)."""


def test_the_api_docs_render_under_the_policy(transactional_db, live_server, page, shot):
    response = page.goto(f"{live_server.url}/api/docs/")
    assert "content-security-policy" in response.headers
    page.wait_for_selector(".swagger-ui .information-container .title")
    assert "read-only API" in page.inner_text(".swagger-ui .information-container .title")
    # The operations come from the schema, fetched by the start-up script.
    page.wait_for_selector(".opblock-tag-section")
    shot("1-api-docs")
