import codecs

from webapp.codecs_acme import search_function

codecs.register(search_function)
