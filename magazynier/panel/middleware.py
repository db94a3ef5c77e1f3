from django.conf import settings
from django.utils import translation


class PanelLanguageMiddleware:
    """Polish first: the panel speaks the language the user chose (the language cookie set by the PL/EN
    switch) and otherwise Polish — not whatever the browser's Accept-Language happens to say."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
