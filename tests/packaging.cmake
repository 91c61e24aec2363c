# placeholder, replaced by the packaging test
