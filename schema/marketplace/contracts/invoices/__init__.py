"""GraphQL face of hourly services' delivered hours, invoices and credit notes."""
