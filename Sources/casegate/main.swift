print("casegate")
