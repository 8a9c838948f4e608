import unittest

from app.prices import format_price


class FormatPrice(unittest.TestCase):
    def test_cents(self):
        self.assertEqual(format_price(1999), "19.99")

    def test_small_amounts_keep_two_digits(self):
        self.assertEqual(format_price(5), "0.05")

    def test_negative(self):
        self.assertEqual(format_price(-250), "-2.50")
